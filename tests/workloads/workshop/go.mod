module workshop

go 1.21
