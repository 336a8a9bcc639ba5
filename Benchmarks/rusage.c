/* rusage: fallback when /usr/bin/time is missing. Runs a command, prints
 * "<wall seconds> <max RSS KiB>" to stderr (children included). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s CMD...\n", argv[0]); return 2; }
    struct timeval a, b;
    gettimeofday(&a, NULL);
    pid_t pid = fork();
    if (pid == 0) { execvp(argv[1], argv + 1); perror(argv[1]); _exit(127); }
    int st = 0;
    waitpid(pid, &st, 0);
    gettimeofday(&b, NULL);
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    double wall = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_usec - a.tv_usec) / 1e6;
    fprintf(stderr, "RUSAGE %.3f %ld\n", wall, ru.ru_maxrss);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
