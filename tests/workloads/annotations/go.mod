module annotations

go 1.21
