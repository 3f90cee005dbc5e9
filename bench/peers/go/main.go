// Benchmark peer: the hello server as people write it in Go, a goroutine per connection with
// bufio, flushing replies when the input buffer is drained (so pipelined names share a write).
// With -cert and -key the same server speaks TLS (crypto/tls, behind tls.NewListener, Go's
// defaults), the TLS peer of bench/compare.
// Usage: go run . [-cert FILE -key FILE] PORT
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"flag"
	"log"
	"net"
)

func main() {
	cert := flag.String("cert", "", "PEM certificate chain: serve TLS")
	key := flag.String("key", "", "PEM private key of -cert")
	flag.Parse()
	port := "9999"
	if flag.NArg() > 0 {
		port = flag.Arg(0)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		log.Fatal(err)
	}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			log.Fatal(err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{pair}})
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
