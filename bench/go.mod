module github.com/conflog/conflog/bench

go 1.26

require github.com/conflog/conflog v0.0.0

require github.com/brianvoe/gofakeit/v7 v7.18.1

replace github.com/conflog/conflog => ../
