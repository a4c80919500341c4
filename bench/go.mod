module github.com/shockwave-rpc/shockwave/bench

go 1.26

replace github.com/shockwave-rpc/shockwave => ../
