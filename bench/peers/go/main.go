// Benchmark peer: the hello server as people write it in Go, a goroutine per connection with
// bufio, flushing replies when the input buffer is drained (so pipelined names share a write).
// Usage: go run . PORT
package main

import (
	"bufio"
	"bytes"
	"log"
	"net"
	"os"
)

func main() {
	port := "9999"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		log.Fatal(err)
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			continue
		}
		go serve(conn)
	}
}

func serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	w.WriteString("Welcome!\n")
	w.Flush()
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		name := bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
		if string(name) == "exit" {
			w.Flush()
			return
		}
		w.WriteString("Hello, ")
		w.Write(name)
		w.WriteString("!\n")
		if r.Buffered() == 0 {
			if w.Flush() != nil {
				return
			}
		}
	}
}
