module sockit/peers/gobench

go 1.19
