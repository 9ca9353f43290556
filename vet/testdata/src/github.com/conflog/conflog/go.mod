module github.com/conflog/conflog

go 1.26
