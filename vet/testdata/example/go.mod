module example.com/train

go 1.26

require github.com/conflog/conflog v0.0.0

replace github.com/conflog/conflog => ../src/github.com/conflog/conflog
