module healthy

go 1.21
