module hellopeer

go 1.19
