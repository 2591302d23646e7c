module flightrecorder

go 1.21
