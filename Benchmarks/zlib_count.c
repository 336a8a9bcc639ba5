/* zlib_count: the ceiling for a zlib-based streaming reader.
 * Inflates each file (all gzip members: inflateReset after Z_STREAM_END while input
 * remains), counts newlines, prints "<lines> <decompressed bytes> <members>" per run.
 * Build: cc -O2 -o zlib_count zlib_count.c -lz
 * Usage: zlib_count FILE... (totals over all files)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IN_SZ (1 << 20)
#define OUT_SZ (1 << 20)

static unsigned char inbuf[IN_SZ], outbuf[OUT_SZ];

static int count_file(const char *path, unsigned long long *lines, unsigned long long *bytes,
                      unsigned long long *members) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 1; }
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, 15 + 16) != Z_OK) { fclose(f); return 1; }
    int rc = Z_OK, eof = 0;
    while (!eof || s.avail_in > 0) {
        if (s.avail_in == 0 && !eof) {
            size_t n = fread(inbuf, 1, IN_SZ, f);
            if (n == 0) { eof = 1; continue; }
            s.next_in = inbuf;
            s.avail_in = (uInt)n;
        }
        if (s.avail_in == 0) break;
        s.next_out = outbuf;
        s.avail_out = OUT_SZ;
        rc = inflate(&s, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            fprintf(stderr, "%s: inflate error %d\n", path, rc);
            break;
        }
        size_t got = OUT_SZ - s.avail_out;
        *bytes += got;
        for (unsigned char *p = outbuf, *end = outbuf + got; p < end;) {
            unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) break;
            (*lines)++;
            p = nl + 1;
        }
        if (rc == Z_STREAM_END) {
            (*members)++;
            inflateReset(&s);   /* next gzip member (Firehose objects, concatenated .gz) */
        }
    }
    inflateEnd(&s);
    fclose(f);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE...\n", argv[0]); return 2; }
    unsigned long long lines = 0, bytes = 0, members = 0;
    int bad = 0;
    for (int i = 1; i < argc; i++) bad |= count_file(argv[i], &lines, &bytes, &members);
    printf("%llu %llu %llu\n", lines, bytes, members);
    return bad;
}
