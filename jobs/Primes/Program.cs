// Counts primes in ranges with a task farm. Being written for issue 15.
return 2;
