module cpuprofile

go 1.21
