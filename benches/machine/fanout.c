/* The floor of a WebSocket fan-out on this machine: one small frame (168 bytes, a tick message's
 * size) sent to each of N loopback TCP connections, from C with nothing else in the way, timed
 * per round. The service's push does the same N sends (uvloop writes the queued frames at the end
 * of the loop iteration), so its fan-out cannot be faster than this; the tail here is the
 * kernel's loopback TCP path and the machine.
 *
 * Also timed: the same sends split between two threads (the second one spinning, ready, so no
 * wake-up cost is counted): the best a two-thread fan-out could do.
 *
 * usage: fanout [CONNECTIONS] [ROUNDS]   prints p50, p90, p99 and max in microseconds. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int n_conn;
static int *server_side, *client_side;
static char frame[168];
static int go, done;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

static void send_range(int from, int to) {
    for (int i = from; i < to; i++) send(server_side[i], frame, sizeof frame, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void *second_half(void *unused) {
    (void)unused;
    for (;;) {
        while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) {
        }
        __atomic_store_n(&go, 0, __ATOMIC_RELAXED);
        send_range(n_conn / 2, n_conn);
        __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void drain(void) {
    char buf[65536];
    for (int i = 0; i < n_conn; i++)
        while (recv(client_side[i], buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
}

static void report(const char *what, long *us, int rounds) {
    qsort(us, rounds, sizeof(long), by_value);
    printf("%s, %d connections, %d rounds: p50 %ld, p90 %ld, p99 %ld, max %ld us\n", what, n_conn, rounds,
           us[rounds / 2], us[rounds * 9 / 10], us[rounds * 99 / 100], us[rounds - 1]);
}

int main(int argc, char **argv) {
    n_conn = argc > 1 ? atoi(argv[1]) : 200;
    int rounds = argc > 2 ? atoi(argv[2]) : 1000;
    server_side = calloc(n_conn, sizeof(int));
    client_side = calloc(n_conn, sizeof(int));
    memset(frame, 'x', sizeof frame);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof addr;
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, n_conn) ||
        getsockname(listener, (struct sockaddr *)&addr, &len)) {
        perror("listen");
        return 1;
    }
    int one = 1;
    for (int i = 0; i < n_conn; i++) {
        client_side[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(client_side[i], (struct sockaddr *)&addr, sizeof addr)) {
            perror("connect");
            return 1;
        }
        server_side[i] = accept(listener, NULL, NULL);
        setsockopt(server_side[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* as uvicorn sets */
    }
    long *us = malloc(sizeof(long) * rounds);
    for (int r = 0; r < rounds; r++) {
        long t0 = now_ns();
        send_range(0, n_conn);
        us[r] = (now_ns() - t0) / 1000;
        drain();
        usleep(5000);
    }
    report("one thread", us, rounds);
    pthread_t helper;
    pthread_create(&helper, NULL, second_half, NULL);
    for (int r = 0; r < rounds; r++) {
        long t0 = now_ns();
        __atomic_store_n(&done, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
        send_range(0, n_conn / 2);
        while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
        }
        us[r] = (now_ns() - t0) / 1000;
        drain();
        usleep(5000);
    }
    report("two threads", us, rounds);
    return 0;
}
