module latestart

go 1.21
