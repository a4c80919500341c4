module github.com/shockwave-rpc/shockwave

go 1.26
