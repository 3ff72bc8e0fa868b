package bulk

// Pool calls work on every item received from in, with n goroutines (at
// least one), and sends each result on the returned channel as soon as it
// is ready, in completion order. The channel is closed once in is closed
// and every call has returned. Both channels are bounded, so a pipeline
// built from pools holds a few items per stage however long its input is.
//
// Pool knows nothing of cancellation: work watches its own context, and
// the producer stops feeding in and closes it.
func Pool[In, Out any](n int, in <-chan In, work func(In) Out) <-chan Out {
	n = max(n, 1)
	out := make(chan Out, n)
	done := make(chan struct{})
	for range n {
		go func() {
			defer func() { done <- struct{}{} }()
			for item := range in {
				out <- work(item)
			}
		}()
	}
	go func() {
		for range n {
			<-done
		}
		close(out)
	}()
	return out
}
