module stress

go 1.21
