/* The machine's own jitter: the same fixed piece of pure computation (a xorshift chain, no memory,
 * no system calls) timed over and over, with a short sleep between runs as a service's loop has
 * between ticks. Any spread in these times is the machine (the host scheduling this VM's vCPUs,
 * interrupts), not a program's code: it is the floor under every latency tail measured here.
 *
 * usage: jitter ITERATIONS [ROUNDS]   prints p50, p90, p99 and max in microseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s ITERATIONS [ROUNDS]\n", argv[0]);
        return 2;
    }
    long iterations = atol(argv[1]);
    int rounds = argc > 2 ? atoi(argv[2]) : 1000;
    long *us = malloc(sizeof(long) * rounds);
    volatile unsigned long sink = 1; /* keeps the chain from being optimised away */
    for (int r = 0; r < rounds; r++) {
        long t0 = now_ns();
        unsigned long x = sink;
        for (long i = 0; i < iterations; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        sink = x;
        us[r] = (now_ns() - t0) / 1000;
        usleep(5000);
    }
    qsort(us, rounds, sizeof(long), by_value);
    printf("compute of %ld iterations, %d rounds: p50 %ld, p90 %ld, p99 %ld, max %ld us\n", iterations,
           rounds, us[rounds / 2], us[rounds * 9 / 10], us[rounds * 99 / 100], us[rounds - 1]);
    free(us);
    return 0;
}
