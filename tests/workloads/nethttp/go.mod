module nethttp

go 1.21
