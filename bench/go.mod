module github.com/conflog/conflog/bench

go 1.26

require github.com/conflog/conflog v0.0.0

replace github.com/conflog/conflog => ../
