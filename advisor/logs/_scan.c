/*
 * advisor.logs._scan: the bulk import's parser of plain-text REPORT logs, in C.
 *
 * ReportScan(path).parse(threads) maps a log file and parses it in runs of whole lines, one
 * thread each and without the GIL; each thread also puts its records in store order (end
 * time, then request id) and sorts their request id hashes, and the runs are merged. DuckDB
 * then reads the records as an Arrow C stream (the PyCapsule interface,
 * `__arrow_c_stream__`), in store order, so no Python object is made per line and the
 * store need not sort. Why C: see docs/import.md (DuckDB's own expression engine needed
 * about 1.3 CPU-seconds for the same checks on the benchmark log; this needs about 0.25).
 *
 * It implements the checks of the SQL fast path (advisor/logs/fast.py: NEEDS_EXACT and
 * CANONICAL_TERMS), accepting a subset of what that path accepts and computing the same
 * values; see fast.py for why each check exists. parse() raises ValueError naming the first
 * line it does not vouch for, and the caller has DuckDB parse the file instead.
 *
 * Columns (the `values` relation of fast.record_select): request_id (utf8), end_ns (int64,
 * null without a time prefix), duration_ms (float64), billed_duration_ms, memory_mb,
 * max_memory_used_mb (int64), init_ms (float64, nullable), status, error_type (utf8,
 * nullable).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bumped whenever the parsing rules change; fast.py refuses a build of other rules. */
#define SCAN_VERSION 1
#define DEFAULT_BATCH_ROWS 122880
/* advisor.logs.report.EMULATOR_MEMORY_MB: the local emulator's default memory size. */
#define EMULATOR_MEMORY_MB 3008
/* DuckDB's read_csv refuses longer lines (the SQL path then falls back), so this one does. */
#define MAX_LINE_BYTES (2 * 1024 * 1024)
/* Parser threads at most (each merge step looks at every thread's next row). */
#define MAX_THREADS 16

/* ---- Arrow C data interface (https://arrow.apache.org/docs/format/CDataInterface.html) ---- */
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_NULLABLE 2
struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};
struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};
#endif
#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream *, struct ArrowSchema *out);
    int (*get_next)(struct ArrowArrayStream *, struct ArrowArray *out);
    const char *(*get_last_error)(struct ArrowArrayStream *);
    void (*release)(struct ArrowArrayStream *);
    void *private_data;
};
#endif

/* ---- the columns ---- */
enum { C_RID, C_END, C_DUR, C_BILLED, C_MEM, C_USED, C_INIT, C_STATUS, C_ERROR, N_COLUMNS };
static const char *const COLUMN_NAMES[N_COLUMNS] = {
    "request_id", "end_ns", "duration_ms", "billed_duration_ms", "memory_mb",
    "max_memory_used_mb", "init_ms", "status", "error_type"};
static const char *const COLUMN_FORMATS[N_COLUMNS] = {"u", "l", "g", "l", "l", "l", "g", "u", "u"};

/* ---- one parsed record ---- */
typedef struct {
    const char *rid;
    size_t rid_len;
    int has_end;
    int64_t end_ns;
    double duration;
    int64_t billed, memory, used;
    int has_init;
    double init;
    const char *status;
    size_t status_len;
    const char *error;
    size_t error_len;
    uint64_t rid_hash; /* of the request id, for finding repeats */
} Record;

/* ---- character tests ---- */
static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_blank(unsigned char c) { return c == ' ' || c == '\t'; }
/* Request id characters ([0-9A-Za-z._-]) and, with ':', Error Type characters: a table,
 * since the request id check runs on every record. */
enum { C_ID = 1, C_ERROR_TYPE = 2 };
static uint8_t CHAR_CLASS[256];

static void init_char_classes(void) {
    for (int c = 0; c < 256; c++) {
        int id = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 c == '.' || c == '_' || c == '-';
        CHAR_CLASS[c] = (uint8_t)((id ? C_ID | C_ERROR_TYPE : 0) | (c == ':' ? C_ERROR_TYPE : 0));
    }
}

static inline int is_id_char(unsigned char c) { return CHAR_CLASS[c] & C_ID; }
static inline int is_error_char(unsigned char c) { return CHAR_CLASS[c] & C_ERROR_TYPE; }

#define starts_with(s, n, prefix) ((n) >= sizeof prefix - 1 && memcmp(s, prefix, sizeof prefix - 1) == 0)
#define contains(s, n, needle) (memmem(s, n, needle, sizeof needle - 1) != NULL)

/* Bit flags of the rare bytes a line holds, so that most lines skip the substring searches. */
enum { F_QUOTE = 1, F_PAREN = 2, F_K = 4, F_P = 8, F_BAD = 16, F_HIGH = 32 };

static inline unsigned byte_flags(unsigned char c) {
    return (c == '"' ? F_QUOTE : 0) | (c == '(' ? F_PAREN : 0) | (c == 'k' ? F_K : 0) |
           (c == 'P' ? F_P : 0) | (c == '\r' || c == 0 || c == 0x1f ? F_BAD : 0) |
           (c >= 0x80 ? F_HIGH : 0);
}

/* The length of the line at s (up to '\n' or n) and, in *flags, the rare bytes it holds:
 * one pass of sixteen bytes at a time with SSE2 (every x86-64 has it). */
#if defined(__SSE2__)
#include <emmintrin.h>
static size_t scan_line(const unsigned char *s, size_t n, unsigned *flags) {
    const __m128i newline = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"'),
                  paren = _mm_set1_epi8('('), k = _mm_set1_epi8('k'), p = _mm_set1_epi8('P'),
                  cr = _mm_set1_epi8('\r'), nul = _mm_setzero_si128(), unit = _mm_set1_epi8(0x1f);
    __m128i q = nul, pa = nul, kk = nul, pp = nul, bad = nul, high = nul;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i eq_q = _mm_cmpeq_epi8(v, quote), eq_pa = _mm_cmpeq_epi8(v, paren),
                eq_k = _mm_cmpeq_epi8(v, k), eq_p = _mm_cmpeq_epi8(v, p),
                eq_bad = _mm_or_si128(_mm_cmpeq_epi8(v, cr),
                                      _mm_or_si128(_mm_cmpeq_epi8(v, nul), _mm_cmpeq_epi8(v, unit)));
        unsigned end = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, newline));
        if (end != 0) {
            unsigned before = (1u << __builtin_ctz(end)) - 1; /* the bytes before the newline */
            unsigned flags_now =
                ((_mm_movemask_epi8(q) | (_mm_movemask_epi8(eq_q) & before)) ? F_QUOTE : 0) |
                ((_mm_movemask_epi8(pa) | (_mm_movemask_epi8(eq_pa) & before)) ? F_PAREN : 0) |
                ((_mm_movemask_epi8(kk) | (_mm_movemask_epi8(eq_k) & before)) ? F_K : 0) |
                ((_mm_movemask_epi8(pp) | (_mm_movemask_epi8(eq_p) & before)) ? F_P : 0) |
                ((_mm_movemask_epi8(bad) | (_mm_movemask_epi8(eq_bad) & before)) ? F_BAD : 0) |
                ((_mm_movemask_epi8(high) | (_mm_movemask_epi8(v) & before)) ? F_HIGH : 0);
            *flags = flags_now;
            return i + (size_t)__builtin_ctz(end);
        }
        q = _mm_or_si128(q, eq_q);
        pa = _mm_or_si128(pa, eq_pa);
        kk = _mm_or_si128(kk, eq_k);
        pp = _mm_or_si128(pp, eq_p);
        bad = _mm_or_si128(bad, eq_bad);
        high = _mm_or_si128(high, v);
    }
    unsigned flags_now = (_mm_movemask_epi8(q) ? F_QUOTE : 0) | (_mm_movemask_epi8(pa) ? F_PAREN : 0) |
                         (_mm_movemask_epi8(kk) ? F_K : 0) | (_mm_movemask_epi8(pp) ? F_P : 0) |
                         (_mm_movemask_epi8(bad) ? F_BAD : 0) | (_mm_movemask_epi8(high) ? F_HIGH : 0);
    for (; i < n && s[i] != '\n'; i++) flags_now |= byte_flags(s[i]);
    *flags = flags_now;
    return i;
}
#else
static size_t scan_line(const unsigned char *s, size_t n, unsigned *flags) {
    unsigned flags_now = 0;
    size_t i = 0;
    for (; i < n && s[i] != '\n'; i++) flags_now |= byte_flags(s[i]);
    *flags = flags_now;
    return i;
}
#endif


/* Whether s[0..n) is valid UTF-8 (as DuckDB's reader requires; it refuses the file otherwise). */
static int valid_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += len;
    }
    return 1;
}

/* ---- fast.NEEDS_EXACT: lines the exact parser must judge ---- */
static const char *const CONTINUATION_KEYS[] = {
    "Duration:", "Billed Duration:", "Memory Size:", "Max Memory Used:", "Init Duration:",
    "Restore Duration:", "Billed Restore Duration:", "Status:", "Error Type:", NULL};

static int starts_with_key(const char *s, size_t n) {
    for (const char *const *key = CONTINUATION_KEYS; *key != NULL; key++) {
        size_t k = strlen(*key);
        if (n >= k && memcmp(s, *key, k) == 0) return 1;
    }
    return 0;
}

/* '[ \t]*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}[^ \t]*[ \t]*', matched in full. */
static int time_only(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n && is_blank(s[i])) i++;
    static const char shape[] = "dddd-dd-ddXdd:dd:dd";
    for (size_t k = 0; k < sizeof shape - 1; k++, i++) {
        if (i >= n) return 0;
        char want = shape[k];
        if (want == 'd' ? !is_digit(s[i]) : want == 'X' ? (s[i] != 'T' && s[i] != ' ')
                                                          : s[i] != (unsigned char)want)
            return 0;
    }
    while (i < n && !is_blank(s[i])) i++;
    while (i < n && is_blank(s[i])) i++;
    return i == n;
}

static int needs_exact(const char *s, size_t n, unsigned flags) {
    if ((flags & F_K) && contains(s, n, "Task timed out after")) return 1;
    if ((flags & F_PAREN) && contains(s, n, "(rapid)")) return 1;
    if ((flags & F_QUOTE) && (contains(s, n, "\"platform.") || contains(s, n, "\"event_type\"")))
        return 1;
    if (n > 0 && !is_digit((unsigned char)s[0])) {
        if (s[0] == '@' || starts_with_key(s, n)) return 1;
        if (is_blank((unsigned char)s[0])) {
            size_t i = 0;
            while (i < n && is_blank((unsigned char)s[i])) i++;
            if (starts_with_key(s + i, n - i)) return 1;
        }
    }
    return n < 48 && time_only((const unsigned char *)s, n);
}

/* ---- values ---- */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* '\d+(\.\d+)?' as the nearest double (as DuckDB's CAST); 0 when s is not of that shape. */
static int parse_decimal(const char *s, size_t n, double *out) {
    size_t i = 0, fraction = 0, digits = 0;
    uint64_t mantissa = 0;
    int exact = 1;
    while (i < n && is_digit((unsigned char)s[i])) {
        if (mantissa > (UINT64_MAX - 9) / 10) exact = 0;
        else mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
        i++;
        digits++;
    }
    if (digits == 0) return 0;
    if (i < n) {
        if (s[i] != '.') return 0;
        i++;
        size_t start = i;
        while (i < n && is_digit((unsigned char)s[i])) {
            if (mantissa > (UINT64_MAX - 9) / 10) exact = 0;
            else mantissa = mantissa * 10 + (uint64_t)(s[i] - '0');
            i++;
        }
        fraction = i - start;
        if (fraction == 0 || i != n) return 0;
    }
    /* Both operands exact, so one IEEE division rounds correctly (Clinger's fast path). */
    if (exact && mantissa <= (UINT64_C(1) << 53) && fraction <= 22) {
        *out = (double)mantissa / POW10[fraction];
        return 1;
    }
    char copy[64];
    if (n >= sizeof copy) return 0;
    memcpy(copy, s, n);
    copy[n] = '\0';
    *out = strtod(copy, NULL); /* correctly rounded in glibc; '.' in the C numeric locale */
    return 1;
}

/* '\d+' as int64 (at most 18 digits, so it always fits). */
static int parse_digits(const char *s, size_t n, int64_t *out) {
    if (n == 0 || n > 18) return 0;
    int64_t value = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i])) return 0;
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return 1;
}

/* A field 'PREFIX value SUFFIX' (LIKE 'PREFIX% SUFFIX'): its value, or NULL. */
static inline __attribute__((always_inline)) const char *field_value(const char *s, size_t n, const char *prefix, const char *suffix,
                               size_t *len) {
    size_t p = strlen(prefix), q = strlen(suffix);
    if (n < p + q || memcmp(s, prefix, p) != 0 || memcmp(s + n - q, suffix, q) != 0) return NULL;
    *len = n - p - q;
    return s + p;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int digits_value(const char *s, size_t n) {
    int value = 0;
    for (size_t i = 0; i < n; i++) value = value * 10 + (s[i] - '0');
    return value;
}

/* 'YYYY-MM-DDTHH:MM:SS(.d{1,6})?Z' as ns since the epoch (as CAST(... AS TIMESTAMP) and
 * epoch_ns); 0 for another shape or a value this parser does not vouch for. */
static int parse_stamp(const char *s, size_t n, int64_t *out) {
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    if (n != 20 && (n < 22 || n > 27)) return 0;
    for (size_t k = 0; k < sizeof shape - 1; k++)
        if (shape[k] == 'd' ? !is_digit((unsigned char)s[k]) : s[k] != shape[k]) return 0;
    if (s[n - 1] != 'Z') return 0;
    int64_t micros = 0;
    if (n > 20) {
        if (s[19] != '.') return 0;
        size_t digits = n - 21;
        for (size_t k = 0; k < 6; k++) {
            int digit = 0;
            if (k < digits) {
                if (!is_digit((unsigned char)s[20 + k])) return 0;
                digit = s[20 + k] - '0';
            }
            micros = micros * 10 + digit;
        }
    }
    int year = digits_value(s, 4), month = digits_value(s + 5, 2), day = digits_value(s + 8, 2);
    int hour = digits_value(s + 11, 2), minute = digits_value(s + 14, 2);
    int second = digits_value(s + 17, 2);
    static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    /* Years in range of nanosecond timestamps by a wide margin; others go the SQL way. */
    if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 ||
        day > DAYS[month - 1] + (month == 2 && leap) || hour > 23 || minute > 59 || second > 59)
        return 0;
    int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    *out = (seconds * 1000000 + micros) * 1000;
    return 1;
}

/* An optional tail field 'KEY value' ending at a tab or the end; advances *at past it. */
static inline __attribute__((always_inline)) int tail_field(const char *s, size_t n, size_t *at, const char *key, const char **value,
                      size_t *len) {
    size_t k = strlen(key);
    if (n - *at < k || memcmp(s + *at, key, k) != 0) return 0;
    const char *start = s + *at + k;
    const char *tab = memchr(start, '\t', (size_t)(s + n - start));
    const char *end = tab ? tab : s + n;
    *value = start;
    *len = (size_t)(end - start);
    *at = (size_t)(end - s) + (tab ? 1 : 0);
    return 1;
}

static const char MARKER[] = "REPORT RequestId:"; /* advisor.logs.report.MARKER */
#define MARKER_LEN (sizeof MARKER - 1)
/* Where Lambda's own lines put it: after a millisecond stamp and a blank, or first. */
#define STAMPED_AT 25

/* Where MARKER first occurs in the line, or -1. A line with it after a stamp of Lambda's
 * shape is checked there first, which is the first occurrence whenever the stamp is valid
 * (a stamp cannot contain it), and parse_report refuses an invalid stamp either way. */
static ptrdiff_t find_marker(const char *s, size_t n) {
    if (n >= STAMPED_AT + MARKER_LEN && memcmp(s + STAMPED_AT, MARKER, MARKER_LEN) == 0)
        return STAMPED_AT;
    const char *at = memmem(s, n, MARKER, MARKER_LEN);
    return at ? at - s : -1;
}

/* fast.CANONICAL_TERMS: the line, whose first MARKER is at pos, is a REPORT line in Lambda's
 * layout (or 0). */
static int parse_report(const char *s, size_t n, size_t pos, Record *r) {
    static const char REPORT[] = "REPORT RequestId: ";
    /* fast.py's pos is where 'REPORT RequestId: ' starts; any but the first MARKER fails. */
    if (pos + sizeof REPORT - 1 > n || s[pos + MARKER_LEN] != ' ') return 0;
    r->has_end = 0;
    if (pos > 0) {
        if (s[pos - 1] != ' ' || !parse_stamp(s, pos - 1, &r->end_ns)) return 0;
        r->has_end = 1;
    }
    /* The tab-separated fields: head (request id), four fixed ones, then the tail. */
    const char *field[5];
    size_t length[5];
    const char *cursor = s, *end = s + n;
    for (int k = 0; k < 5; k++) {
        const char *tab = memchr(cursor, '\t', (size_t)(end - cursor));
        if (tab == NULL && k < 4) return 0;
        const char *stop = tab ? tab : end;
        field[k] = cursor;
        length[k] = (size_t)(stop - cursor);
        cursor = tab ? tab + 1 : end;
    }
    const char *rid = s + pos + sizeof REPORT - 1;
    if (rid > field[0] + length[0]) return 0;
    r->rid = rid;
    r->rid_len = (size_t)(field[0] + length[0] - rid);
    if (r->rid_len == 0) return 0;
    unsigned all = C_ID;
    for (size_t i = 0; i < r->rid_len; i++) all &= CHAR_CLASS[(unsigned char)rid[i]];
    if (!all) return 0;
    size_t len;
    const char *value;
    if (!(value = field_value(field[1], length[1], "Duration: ", " ms", &len)) ||
        !parse_decimal(value, len, &r->duration))
        return 0;
    if (!(value = field_value(field[2], length[2], "Billed Duration: ", " ms", &len)) ||
        !parse_digits(value, len, &r->billed))
        return 0;
    if (!(value = field_value(field[3], length[3], "Memory Size: ", " MB", &len)) ||
        !parse_digits(value, len, &r->memory))
        return 0;
    if (!(value = field_value(field[4], length[4], "Max Memory Used: ", " MB", &len)) ||
        !parse_digits(value, len, &r->used))
        return 0;
    /* The tail, each optional field in Lambda's order and ended by a tab or the line. */
    size_t i = (size_t)(cursor - s);
    r->has_init = 0;
    r->status = r->error = NULL;
    r->status_len = r->error_len = 0;
    if (cursor == field[4] + length[4]) return 1; /* no tab after Max Memory Used */
    if (tail_field(s, n, &i, "Init Duration: ", &value, &len)) {
        size_t number;
        const char *ms = field_value(value, len, "", " ms", &number);
        if (ms == NULL || !parse_decimal(ms, number, &r->init)) return 0;
        r->has_init = 1;
    }
    if (tail_field(s, n, &i, "Status: ", &r->status, &r->status_len)) {
        if (!((r->status_len == 7 && memcmp(r->status, "success", 7) == 0) ||
              (r->status_len == 7 && memcmp(r->status, "timeout", 7) == 0) ||
              (r->status_len == 5 && memcmp(r->status, "error", 5) == 0)))
            return 0;
    }
    if (tail_field(s, n, &i, "Error Type: ", &r->error, &r->error_len)) {
        if (r->error_len == 0) return 0;
        for (size_t k = 0; k < r->error_len; k++)
            if (!is_error_char((unsigned char)r->error[k])) return 0;
    }
    /* Anything left over is not Lambda's layout. */
    return i == n;
}

static uint64_t hash_id(const char *s, size_t n) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, s, 8);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
        s += 8;
        n -= 8;
    }
    uint64_t word = 0;
    memcpy(&word, s, n);
    h = (h ^ word) * 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

/* ---- parsing a file: in chunks, one thread each ---- */
typedef struct {
    const char *begin, *end; /* whole lines */
    Record *rows;
    size_t count, cap;
    int64_t lines;
    int64_t error_line; /* in this chunk, from 1; 0 when none */
    const char *why;
    size_t *done; /* shared progress counter (bytes) */
    uint32_t *order;  /* the rows' store order (NULL: as parsed), set by its thread */
    uint64_t *hashes; /* the request id hashes, sorted, set by its thread */
    int store_order;  /* put the rows in store order (else they stay in file order) */
    int out_of_memory;
} Chunk;

static const char *parse_line(const char *line, size_t n, unsigned flags, Record *record,
                              int *is_record) {
    *is_record = 0;
    if (n > MAX_LINE_BYTES) return "is longer than DuckDB's line limit";
    if (flags & F_BAD) return "holds a carriage return, NUL or unit separator";
    if ((flags & F_HIGH) && !valid_utf8((const unsigned char *)line, n)) return "is not UTF-8";
    if (needs_exact(line, n, flags)) return "needs the exact parser";
    ptrdiff_t marker = (flags & F_P) ? find_marker(line, n) : -1;
    if (marker < 0) return NULL;
    if (!parse_report(line, n, (size_t)marker, record)) return "is not a canonical REPORT line";
    record->rid_hash = hash_id(record->rid, record->rid_len);
    *is_record = 1;
    return NULL;
}

/* Report progress every this many bytes. */
#define PROGRESS_STEP (4u << 20)

static void *parse_chunk(void *arg) {
    Chunk *chunk = arg;
    const char *at = chunk->begin;
    size_t reported = 0;
    while (at < chunk->end) {
        unsigned flags;
        size_t n = scan_line((const unsigned char *)at, (size_t)(chunk->end - at), &flags);
        const char *line = at;
        at += n + (at + n < chunk->end ? 1 : 0);
        chunk->lines++;
        if (chunk->count == chunk->cap) {
            size_t cap = chunk->cap ? chunk->cap * 2 : 4096;
            Record *grown = realloc(chunk->rows, cap * sizeof *grown);
            if (grown == NULL) {
                chunk->why = "could not be parsed: out of memory";
                chunk->error_line = chunk->lines;
                return NULL;
            }
            chunk->rows = grown;
            chunk->cap = cap;
        }
        int is_record;
        const char *why = parse_line(line, n, flags, &chunk->rows[chunk->count], &is_record);
        if (why != NULL) {
            chunk->why = why;
            chunk->error_line = chunk->lines;
            return NULL;
        }
        chunk->count += (size_t)is_record;
        size_t parsed = (size_t)(at - chunk->begin);
        if (parsed - reported >= PROGRESS_STEP) {
            __atomic_add_fetch(chunk->done, parsed - reported, __ATOMIC_RELAXED);
            reported = parsed;
        }
    }
    __atomic_add_fetch(chunk->done, (size_t)(at - chunk->begin) - reported, __ATOMIC_RELAXED);
    return NULL;
}

/* ---- the parsed file, shared by the Python object and its streams ---- */
typedef struct {
    int refs; /* atomic */
    const char *data; /* the mapping (NULL for an empty file) */
    size_t size;
    size_t done; /* atomic: bytes parsed, for progress */
    int parsed;
    Chunk *chunks;
    int n_chunks;
    size_t records;
    int64_t lines;
    uint32_t *order; /* rows in store order, as global indices (NULL: as parsed) */
    size_t batch_rows;
    size_t n_batches;
    size_t exported; /* atomic: records the newest stream has handed over, for progress */
    int duplicates;  /* a request id occurs twice */
    int emulator;    /* every Max Memory Used equals Memory Size, and one is the emulator's */
} Shared;

static void shared_release(Shared *shared) {
    if (__atomic_sub_fetch(&shared->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    for (int k = 0; k < shared->n_chunks; k++) {
        free(shared->chunks[k].rows);
        free(shared->chunks[k].order);
        free(shared->chunks[k].hashes);
    }
    free(shared->chunks);
    free(shared->order);
    if (shared->data != NULL) munmap((void *)shared->data, shared->size);
    free(shared);
}

/* Row `index` (global, in parse order). */
static const Record *row(const Shared *shared, size_t index) {
    for (int k = 0;; k++) {
        if (index < shared->chunks[k].count) return &shared->chunks[k].rows[index];
        index -= shared->chunks[k].count;
    }
}

/* ---- store order: end time (missing last), then request id, as DuckDB's ORDER BY ---- */
typedef struct {
    uint64_t key;
    uint32_t index;
    const Record *record;
} SortItem;

static int compare_ids(const Record *a, const Record *b) {
    size_t n = a->rid_len < b->rid_len ? a->rid_len : b->rid_len;
    int c = memcmp(a->rid, b->rid, n);
    if (c != 0) return c;
    return (a->rid_len > b->rid_len) - (a->rid_len < b->rid_len);
}

static int compare_items(const void *pa, const void *pb) {
    const SortItem *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return compare_ids(a->record, b->record);
}

/* Sort items by key (LSD radix, 11 bits a pass, as many passes as the keys need), then runs
 * of equal keys by request id. -1: out of memory. */
static int sort_items(SortItem *items, size_t n) {
    uint64_t highest = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].key > highest) highest = items[i].key;
    int bits = highest ? 64 - __builtin_clzll(highest) : 0;
    SortItem *spare = malloc((n ? n : 1) * sizeof *spare);
    if (spare == NULL) return -1;
    SortItem *from = items, *to = spare;
    for (int shift = 0; shift < bits; shift += 11) {
        size_t counts[2048] = {0};
        for (size_t i = 0; i < n; i++) counts[(from[i].key >> shift) & 2047]++;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            size_t c = counts[d];
            counts[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) to[counts[(from[i].key >> shift) & 2047]++] = from[i];
        SortItem *swap = from;
        from = to;
        to = swap;
    }
    if (from != items) memcpy(items, from, n * sizeof *items);
    free(spare);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && items[j].key == items[i].key) j++;
        if (j - i > 1) qsort(items + i, j - i, sizeof *items, compare_items);
        i = j;
    }
    return 0;
}

/* Compare two rows in store order (0 only for equal end times and request ids). */
static int compare_rows(const Record *a, const Record *b) {
    if (a->has_end != b->has_end) return a->has_end ? -1 : 1;
    if (a->has_end && a->end_ns != b->end_ns) return a->end_ns < b->end_ns ? -1 : 1;
    return compare_ids(a, b);
}

/* The store order of rows[0..n) as indices into them (*order NULL when they are in order
 * already). -1: out of memory. */
static int order_rows(const Record *rows, size_t n, uint32_t **order) {
    *order = NULL;
    int sorted = 1;
    int64_t lowest = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && compare_rows(&rows[i - 1], &rows[i]) > 0) sorted = 0;
        if (rows[i].has_end && rows[i].end_ns < lowest) lowest = rows[i].end_ns;
    }
    if (sorted) return 0;
    SortItem *items = malloc(n * sizeof *items);
    if (items == NULL) return -1;
    size_t timed = 0, untimed = n;
    for (size_t i = 0; i < n; i++) {
        const Record *r = &rows[i];
        SortItem item = {r->has_end ? (uint64_t)(r->end_ns - lowest) : 0, (uint32_t)i, r};
        if (r->has_end) items[timed++] = item;
        else items[--untimed] = item;
    }
    /* Rows without an end time go last, by request id. */
    if (sort_items(items, timed) != 0) {
        free(items);
        return -1;
    }
    qsort(items + timed, n - timed, sizeof *items, compare_items);
    *order = malloc((n ? n : 1) * sizeof **order);
    if (*order != NULL)
        for (size_t i = 0; i < n; i++) (*order)[i] = items[i].index;
    free(items);
    return *order != NULL ? 0 : -1;
}

/* The chunk's row `i` in store order. */
static inline const Record *chunk_row(const Chunk *chunk, size_t i) {
    return &chunk->rows[chunk->order ? chunk->order[i] : i];
}

/* shared->order from the chunks' own orders (a merge), or NULL when the rows are in store
 * order already. -1: out of memory. */
static int store_order(Shared *shared) {
    int in_order = 1;
    const Record *last = NULL;
    for (int k = 0; k < shared->n_chunks && in_order; k++) {
        const Chunk *chunk = &shared->chunks[k];
        if (chunk->count == 0) continue;
        in_order = chunk->order == NULL && (last == NULL || compare_rows(last, &chunk->rows[0]) <= 0);
        last = &chunk->rows[chunk->count - 1];
    }
    if (in_order) return 0;
    size_t n = shared->records, position[MAX_THREADS] = {0}, base[MAX_THREADS];
    for (int k = 0, at = 0; k < shared->n_chunks; at += (int)shared->chunks[k].count, k++)
        base[k] = (size_t)at;
    shared->order = malloc((n ? n : 1) * sizeof *shared->order);
    if (shared->order == NULL) return -1;
    for (size_t i = 0; i < n; i++) {
        int best = -1;
        const Record *best_row = NULL;
        for (int k = 0; k < shared->n_chunks; k++) {
            const Chunk *chunk = &shared->chunks[k];
            if (position[k] == chunk->count) continue;
            const Record *candidate = chunk_row(chunk, position[k]);
            if (best < 0 || compare_rows(candidate, best_row) < 0) {
                best = k;
                best_row = candidate;
            }
        }
        const Chunk *chunk = &shared->chunks[best];
        size_t local = chunk->order ? chunk->order[position[best]] : position[best];
        shared->order[i] = (uint32_t)(base[best] + local);
        position[best]++;
    }
    return 0;
}

/* Sort n 64-bit values (LSD radix, a byte a pass). -1: out of memory. */
static int sort_u64(uint64_t *values, size_t n) {
    uint64_t *spare = malloc((n ? n : 1) * sizeof *spare);
    if (spare == NULL) return -1;
    uint64_t *from = values, *to = spare;
    for (int shift = 0; shift < 64; shift += 8) {
        size_t counts[256] = {0};
        for (size_t i = 0; i < n; i++) counts[(from[i] >> shift) & 255]++;
        size_t sum = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = counts[d];
            counts[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) to[counts[(from[i] >> shift) & 255]++] = from[i];
        uint64_t *swap = from;
        from = to;
        to = swap;
    }
    /* Eight passes: the sorted values are back in `values`. */
    free(spare);
    return 0;
}

/* The chunk's request id hashes, sorted (in its thread). -1: out of memory. */
static int chunk_hashes(Chunk *chunk) {
    chunk->hashes = malloc((chunk->count ? chunk->count : 1) * sizeof *chunk->hashes);
    if (chunk->hashes == NULL) return -1;
    for (size_t i = 0; i < chunk->count; i++) chunk->hashes[i] = chunk->rows[i].rid_hash;
    return sort_u64(chunk->hashes, chunk->count);
}

/* Whether two rows' request ids with this hash are equal (-1: out of memory). */
static int repeated_id(const Shared *shared, uint64_t hash) {
    size_t m = 0, cap = 0;
    const Record **same = NULL;
    for (int k = 0; k < shared->n_chunks; k++)
        for (size_t j = 0; j < shared->chunks[k].count; j++) {
            const Record *r = &shared->chunks[k].rows[j];
            if (r->rid_hash != hash) continue;
            if (m == cap) {
                cap = cap ? 2 * cap : 8;
                const Record **grown = realloc(same, cap * sizeof *grown);
                if (grown == NULL) {
                    free(same);
                    return -1;
                }
                same = grown;
            }
            same[m++] = r;
        }
    int found = 0;
    for (size_t a = 0; a < m && !found; a++)
        for (size_t b = a + 1; b < m && !found; b++) found = compare_ids(same[a], same[b]) == 0;
    free(same);
    return found;
}

/* Whether a request id occurs twice (-1: out of memory): a merge of the chunks' sorted
 * hashes finds candidates, whose request ids are then compared in full. */
static int has_duplicates(const Shared *shared) {
    size_t position[MAX_THREADS] = {0};
    int have_previous = 0;
    uint64_t previous = 0;
    for (;;) {
        int best = -1;
        for (int k = 0; k < shared->n_chunks; k++) {
            const Chunk *chunk = &shared->chunks[k];
            if (position[k] < chunk->count &&
                (best < 0 || chunk->hashes[position[k]] < shared->chunks[best].hashes[position[best]]))
                best = k;
        }
        if (best < 0) return 0;
        uint64_t hash = shared->chunks[best].hashes[position[best]++];
        if (have_previous && hash == previous) {
            int found = repeated_id(shared, hash);
            if (found != 0) return found;
        }
        previous = hash;
        have_previous = 1;
    }
}

/* ---- export: batches of rows in store order, as Arrow arrays ---- */

/* The private data of one exported child array: its buffers, freed with it. */
typedef struct {
    void *owned[3];
} ChildData;

static void child_release(struct ArrowArray *array) {
    ChildData *data = array->private_data;
    for (int k = 0; k < 3; k++) free(data->owned[k]);
    free(data);
    free(array->buffers);
    array->release = NULL;
}

typedef struct {
    struct ArrowArray *children[N_COLUMNS];
    struct ArrowArray storage[N_COLUMNS];
    const void *buffers[1];
} ParentData;

static void parent_release(struct ArrowArray *array) {
    ParentData *data = array->private_data;
    for (int k = 0; k < N_COLUMNS; k++)
        if (data->storage[k].release != NULL) data->storage[k].release(&data->storage[k]);
    free(data);
    array->release = NULL;
}

/* A child array over freshly allocated buffers (validity may be NULL); takes ownership. */
static int make_child(struct ArrowArray *out, int64_t rows, int64_t nulls, void *validity,
                      void *second, void *third) {
    ChildData *data = calloc(1, sizeof *data);
    const void **buffers = calloc(3, sizeof *buffers);
    if (data == NULL || buffers == NULL) {
        free(data);
        free(buffers);
        free(validity);
        free(second);
        free(third);
        return -1;
    }
    data->owned[0] = validity;
    data->owned[1] = second;
    data->owned[2] = third;
    buffers[0] = nulls ? validity : NULL;
    buffers[1] = second;
    buffers[2] = third;
    *out = (struct ArrowArray){.length = rows,
                               .null_count = nulls,
                               .n_buffers = third != NULL ? 3 : 2,
                               .buffers = buffers,
                               .release = child_release,
                               .private_data = data};
    return 0;
}

typedef struct {
    const Record **rows;
    int64_t n;
} Batch;

static inline void set_valid(uint8_t *bits, int64_t i) { bits[i / 8] |= (uint8_t)(1u << (i % 8)); }

/* Growable bytes, for the strings of one batch. */
typedef struct {
    char *data;
    size_t len, cap;
} Chars;

static int chars_append(Chars *c, const char *s, size_t n) {
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 64;
        while (cap < c->len + n) cap *= 2;
        char *grown = realloc(c->data, cap);
        if (grown == NULL) return -1;
        c->data = grown;
        c->cap = cap;
    }
    memcpy(c->data + c->len, s, n);
    c->len += n;
    return 0;
}

/* The columns of one batch, filled row by row: each record is read once (they are in store
 * order, so scattered over memory; a pass per column would fetch each many times). */
typedef struct {
    int64_t *ints[N_COLUMNS];
    double *reals[N_COLUMNS];
    int32_t *offsets[N_COLUMNS];
    Chars chars[N_COLUMNS];
    uint8_t *validity[N_COLUMNS];
    int64_t nulls[N_COLUMNS];
} Columns;

static void columns_free(Columns *c) {
    for (int k = 0; k < N_COLUMNS; k++) {
        free(c->ints[k]);
        free(c->reals[k]);
        free(c->offsets[k]);
        free(c->chars[k].data);
        free(c->validity[k]);
    }
}

static int columns_alloc(Columns *c, int64_t n) {
    size_t rows = (size_t)(n ? n : 1), bits = (size_t)(n + 7) / 8 + 1;
    memset(c, 0, sizeof *c);
    int failed = 0;
    for (int k = 0; k < N_COLUMNS; k++) {
        char format = COLUMN_FORMATS[k][0];
        if (format == 'u') {
            c->offsets[k] = malloc((rows + 1) * sizeof(int32_t));
            failed |= c->offsets[k] == NULL;
            if (c->offsets[k] != NULL) c->offsets[k][0] = 0;
            if (k == C_RID) { /* request ids are mostly UUIDs: room for them up front */
                c->chars[k].data = malloc(rows * 36);
                c->chars[k].cap = c->chars[k].data != NULL ? rows * 36 : 0;
                failed |= c->chars[k].data == NULL;
            }
        } else if (format == 'l') {
            failed |= (c->ints[k] = malloc(rows * sizeof(int64_t))) == NULL;
        } else {
            failed |= (c->reals[k] = malloc(rows * sizeof(double))) == NULL;
        }
        if (k == C_END || k == C_INIT || k == C_STATUS || k == C_ERROR)
            failed |= (c->validity[k] = calloc(bits, 1)) == NULL;
    }
    return failed ? -1 : 0;
}

/* A string cell: its bytes (when valid) and the next offset. */
static inline int put_string(Columns *c, int k, int64_t i, const char *s, size_t len) {
    if (s != NULL) {
        if (chars_append(&c->chars[k], s, len) != 0 || c->chars[k].len > INT32_MAX) return -1;
        if (c->validity[k] != NULL) set_valid(c->validity[k], i);
    } else {
        c->nulls[k]++;
    }
    c->offsets[k][i + 1] = (int32_t)c->chars[k].len;
    return 0;
}

static int fill_columns(Columns *c, const Batch *b) {
    for (int64_t i = 0; i < b->n; i++) {
        const Record *r = b->rows[i];
        if (put_string(c, C_RID, i, r->rid, r->rid_len) != 0 ||
            put_string(c, C_STATUS, i, r->status, r->status_len) != 0 ||
            put_string(c, C_ERROR, i, r->error, r->error_len) != 0)
            return -1;
        c->ints[C_END][i] = r->has_end ? r->end_ns : 0;
        if (r->has_end) set_valid(c->validity[C_END], i);
        else c->nulls[C_END]++;
        c->reals[C_DUR][i] = r->duration;
        c->ints[C_BILLED][i] = r->billed;
        c->ints[C_MEM][i] = r->memory;
        c->ints[C_USED][i] = r->used;
        c->reals[C_INIT][i] = r->has_init ? r->init : 0.0;
        if (r->has_init) set_valid(c->validity[C_INIT], i);
        else c->nulls[C_INIT]++;
    }
    return 0;
}

static int export_batch(const Batch *b, struct ArrowArray *out) {
    Columns c;
    ParentData *parent = calloc(1, sizeof *parent);
    if (parent == NULL || columns_alloc(&c, b->n) != 0 || fill_columns(&c, b) != 0) {
        if (parent != NULL) columns_free(&c);
        free(parent);
        return -1;
    }
    int failed = 0;
    for (int k = 0; k < N_COLUMNS; k++) {
        /* A column without nulls needs no validity bitmap. */
        void *validity = c.nulls[k] ? c.validity[k] : NULL;
        if (!c.nulls[k]) free(c.validity[k]);
        void *second = COLUMN_FORMATS[k][0] == 'u' ? (void *)c.offsets[k]
                       : COLUMN_FORMATS[k][0] == 'l' ? (void *)c.ints[k] : (void *)c.reals[k];
        void *third = NULL;
        if (COLUMN_FORMATS[k][0] == 'u') third = c.chars[k].data ? c.chars[k].data : calloc(1, 1);
        /* make_child owns (and on failure frees) the buffers from here on. */
        failed |= make_child(&parent->storage[k], b->n, c.nulls[k], validity, second, third) != 0;
        parent->children[k] = &parent->storage[k];
    }
    if (failed) {
        parent_release(&(struct ArrowArray){.private_data = parent});
        return -1;
    }
    *out = (struct ArrowArray){.length = b->n,
                               .n_buffers = 1,
                               .n_children = N_COLUMNS,
                               .buffers = parent->buffers,
                               .children = parent->children,
                               .release = parent_release,
                               .private_data = parent};
    return 0;
}

/* ---- the stream ---- */
typedef struct {
    Shared *shared;
    size_t next_batch;
    const Record **rows; /* scratch: the batch's rows */
    char error[128];
} StreamState;

static void schema_release(struct ArrowSchema *schema) {
    free(schema->private_data); /* the children, allocated with their pointer array */
    schema->release = NULL;
}

static void child_schema_release(struct ArrowSchema *schema) { schema->release = NULL; }

static int stream_get_schema(struct ArrowArrayStream *stream, struct ArrowSchema *out) {
    (void)stream;
    struct {
        struct ArrowSchema *pointers[N_COLUMNS];
        struct ArrowSchema children[N_COLUMNS];
    } *block = calloc(1, sizeof *block);
    if (block == NULL) return ENOMEM;
    for (int k = 0; k < N_COLUMNS; k++) {
        block->pointers[k] = &block->children[k];
        block->children[k] = (struct ArrowSchema){.format = COLUMN_FORMATS[k],
                                                  .name = COLUMN_NAMES[k],
                                                  .flags = ARROW_FLAG_NULLABLE,
                                                  .release = child_schema_release};
    }
    *out = (struct ArrowSchema){.format = "+s",
                                .name = "",
                                .n_children = N_COLUMNS,
                                .children = block->pointers,
                                .release = schema_release,
                                .private_data = block};
    return 0;
}

/* Batch `b` (rows b * batch_rows onwards, in store order) as an Arrow array. */
static int build_batch(const Shared *shared, size_t b, const Record **scratch, struct ArrowArray *out) {
    size_t start = b * shared->batch_rows;
    size_t n = shared->records - start < shared->batch_rows ? shared->records - start
                                                            : shared->batch_rows;
    for (size_t i = 0; i < n; i++)
        scratch[i] = row(shared, shared->order ? shared->order[start + i] : start + i);
    Batch batch = {scratch, (int64_t)n};
    return export_batch(&batch, out);
}

static int stream_get_next(struct ArrowArrayStream *stream, struct ArrowArray *out) {
    StreamState *st = stream->private_data;
    Shared *shared = st->shared;
    out->release = NULL;
    size_t b = st->next_batch;
    if (b >= shared->n_batches) return 0; /* the end */
    if (build_batch(shared, b, st->rows, out) != 0) {
        snprintf(st->error, sizeof st->error, "advisor: out of memory");
        return ENOMEM;
    }
    st->next_batch++;
    size_t handed = st->next_batch * shared->batch_rows;
    __atomic_store_n(&shared->exported, handed < shared->records ? handed : shared->records,
                     __ATOMIC_RELAXED);
    return 0;
}

static const char *stream_get_last_error(struct ArrowArrayStream *stream) {
    StreamState *st = stream->private_data;
    return st->error[0] ? st->error : NULL;
}

static void stream_release(struct ArrowArrayStream *stream) {
    StreamState *st = stream->private_data;
    shared_release(st->shared);
    free(st->rows);
    free(st);
    stream->release = NULL;
}

/* ---- the Python type ---- */
typedef struct {
    PyObject_HEAD
    Shared *shared;
} ReportScan;

static void capsule_destructor(PyObject *capsule) {
    struct ArrowArrayStream *stream = PyCapsule_GetPointer(capsule, "arrow_array_stream");
    if (stream == NULL) {
        PyErr_Clear();
        return;
    }
    if (stream->release != NULL) stream->release(stream);
    free(stream);
}

static Shared *checked(ReportScan *self, int parsed) {
    if (self->shared == NULL) {
        PyErr_SetString(PyExc_ValueError, "ReportScan is not initialised");
        return NULL;
    }
    if (parsed && !self->shared->parsed) {
        PyErr_SetString(PyExc_ValueError, "ReportScan.parse() has not succeeded");
        return NULL;
    }
    return self->shared;
}

static PyObject *scan_arrow_c_stream(ReportScan *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"requested_schema", NULL};
    PyObject *requested = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O", keywords, &requested)) return NULL;
    if (requested != Py_None) {
        PyErr_SetString(PyExc_NotImplementedError, "ReportScan exports its own schema only");
        return NULL;
    }
    Shared *shared = checked(self, 1);
    if (shared == NULL) return NULL;
    struct ArrowArrayStream *stream = calloc(1, sizeof *stream);
    StreamState *st = calloc(1, sizeof *st);
    const Record **rows = malloc(shared->batch_rows * sizeof *rows);
    if (stream == NULL || st == NULL || rows == NULL) {
        free(stream);
        free(st);
        free(rows);
        return PyErr_NoMemory();
    }
    __atomic_add_fetch(&shared->refs, 1, __ATOMIC_ACQ_REL);
    *st = (StreamState){.shared = shared, .rows = rows};
    *stream = (struct ArrowArrayStream){.get_schema = stream_get_schema,
                                        .get_next = stream_get_next,
                                        .get_last_error = stream_get_last_error,
                                        .release = stream_release,
                                        .private_data = st};
    PyObject *capsule = PyCapsule_New(stream, "arrow_array_stream", capsule_destructor);
    if (capsule == NULL) {
        stream_release(stream);
        free(stream);
    }
    return capsule;
}

/* A parser thread: its chunk's rows, then their store order and sorted hashes. */
static void *chunk_worker(void *arg) {
    Chunk *chunk = arg;
    parse_chunk(chunk);
    if (chunk->error_line == 0)
        chunk->out_of_memory =
            (chunk->store_order && order_rows(chunk->rows, chunk->count, &chunk->order) != 0) ||
            chunk_hashes(chunk) != 0;
    return NULL;
}

/* Split the file into `threads` runs of whole lines and parse them in parallel. 0, or the
 * first chunk with a line this parser does not vouch for (its index + 1), or -1 (memory). */
static int parse_all(Shared *shared, int threads, int in_store_order) {
    size_t size = shared->size;
    if (size / threads < (1u << 20)) threads = 1; /* small files: not worth a thread */
    shared->chunks = calloc((size_t)threads, sizeof *shared->chunks);
    if (shared->chunks == NULL) return -1;
    shared->n_chunks = threads;
    const char *data = shared->data, *at = data;
    for (int k = 0; k < threads; k++) {
        const char *end = k == threads - 1 ? data + size : data + size / threads * (k + 1);
        if (end < at) end = at;
        if (k < threads - 1 && end < data + size) {
            const char *newline = memchr(end, '\n', (size_t)(data + size - end));
            end = newline ? newline + 1 : data + size;
        }
        shared->chunks[k] = (Chunk){
            .begin = at, .end = end, .done = &shared->done, .store_order = in_store_order};
        at = end;
    }
    pthread_t workers[threads > 1 ? threads - 1 : 1];
    int started[threads > 1 ? threads - 1 : 1];
    for (int k = 1; k < threads; k++)
        started[k - 1] = pthread_create(&workers[k - 1], NULL, chunk_worker, &shared->chunks[k]) == 0;
    chunk_worker(&shared->chunks[0]);
    for (int k = 1; k < threads; k++) {
        if (started[k - 1]) pthread_join(workers[k - 1], NULL);
        else chunk_worker(&shared->chunks[k]);
    }
    for (int k = 0; k < threads; k++) {
        const Chunk *chunk = &shared->chunks[k];
        if (chunk->error_line) return k + 1;
        shared->records += chunk->count;
        shared->lines += chunk->lines;
    }
    if (shared->records > UINT32_MAX) return -1;
    for (int k = 0; k < threads; k++)
        if (shared->chunks[k].out_of_memory) return -1;
    if (in_store_order && store_order(shared) != 0) return -1;
    int duplicates = has_duplicates(shared);
    if (duplicates < 0) return -1;
    shared->duplicates = duplicates;
    int all_equal = 1, any_emulator = 0;
    for (int k = 0; k < threads; k++)
        for (size_t i = 0; i < shared->chunks[k].count; i++) {
            const Record *r = &shared->chunks[k].rows[i];
            all_equal &= r->used == r->memory;
            any_emulator |= r->memory == EMULATOR_MEMORY_MB;
        }
    shared->emulator = shared->records > 0 && all_equal && any_emulator;
    shared->n_batches = (shared->records + shared->batch_rows - 1) / shared->batch_rows;
    return 0;
}

static PyObject *scan_parse(ReportScan *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"threads", "store_order", NULL};
    int threads = 1, in_store_order = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|ip", keywords, &threads, &in_store_order))
        return NULL;
    Shared *shared = checked(self, 0);
    if (shared == NULL) return NULL;
    if (shared->parsed) Py_RETURN_NONE;
    if (shared->chunks != NULL) {
        PyErr_SetString(PyExc_ValueError, "ReportScan.parse() failed before; make a new one");
        return NULL;
    }
    if (threads < 1) threads = 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = parse_all(shared, threads, in_store_order);
    Py_END_ALLOW_THREADS
    if (status < 0) return PyErr_NoMemory();
    if (status > 0) {
        int64_t line = 0;
        for (int k = 0; k < status - 1; k++) line += shared->chunks[k].lines;
        const Chunk *chunk = &shared->chunks[status - 1];
        PyErr_Format(PyExc_ValueError, "line %lld %s", (long long)(line + chunk->error_line),
                     chunk->why);
        return NULL;
    }
    shared->parsed = 1;
    Py_RETURN_NONE;
}

static int scan_init(ReportScan *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"path", "batch_rows", NULL};
    PyObject *path = NULL;
    Py_ssize_t batch_rows = DEFAULT_BATCH_ROWS;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O&|n", keywords, PyUnicode_FSConverter, &path,
                                     &batch_rows))
        return -1;
    if (batch_rows < 1) {
        Py_DECREF(path);
        PyErr_SetString(PyExc_ValueError, "batch_rows must be positive");
        return -1;
    }
    Shared *shared = calloc(1, sizeof *shared);
    if (shared == NULL) {
        Py_DECREF(path);
        PyErr_NoMemory();
        return -1;
    }
    shared->refs = 1;
    int fd = open(PyBytes_AS_STRING(path), O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd < 0 || fstat(fd, &info) != 0) {
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        if (fd >= 0) close(fd);
        Py_DECREF(path);
        free(shared);
        return -1;
    }
    shared->size = (size_t)info.st_size;
    if (shared->size > 0) {
        void *data = mmap(NULL, shared->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
            close(fd);
            Py_DECREF(path);
            free(shared);
            return -1;
        }
        madvise(data, shared->size, MADV_SEQUENTIAL);
        shared->data = data;
    }
    close(fd);
    Py_DECREF(path);
    if (self->shared != NULL) shared_release(self->shared);
    shared->batch_rows = (size_t)batch_rows;
    self->shared = shared;
    return 0;
}

static void scan_dealloc(ReportScan *self) {
    if (self->shared != NULL) shared_release(self->shared);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *scan_lines(ReportScan *self, void *closure) {
    (void)closure;
    Shared *shared = checked(self, 1);
    return shared ? PyLong_FromLongLong(shared->lines) : NULL;
}

static PyObject *scan_records(ReportScan *self, void *closure) {
    (void)closure;
    Shared *shared = checked(self, 1);
    return shared ? PyLong_FromSize_t(shared->records) : NULL;
}

static PyObject *scan_duplicates(ReportScan *self, void *closure) {
    (void)closure;
    Shared *shared = checked(self, 1);
    return shared ? PyBool_FromLong(shared->duplicates) : NULL;
}

static PyObject *scan_emulator(ReportScan *self, void *closure) {
    (void)closure;
    Shared *shared = checked(self, 1);
    return shared ? PyBool_FromLong(shared->emulator) : NULL;
}

static PyObject *scan_progress(ReportScan *self, void *closure) {
    (void)closure;
    Shared *shared = checked(self, 0);
    if (shared == NULL) return NULL;
    if (shared->size == 0) return PyFloat_FromDouble(1.0);
    size_t done = __atomic_load_n(&shared->done, __ATOMIC_RELAXED);
    return PyFloat_FromDouble((double)done / (double)shared->size);
}

static PyObject *scan_exported(ReportScan *self, void *closure) {
    (void)closure;
    Shared *shared = checked(self, 1);
    if (shared == NULL) return NULL;
    if (shared->records == 0) return PyFloat_FromDouble(1.0);
    size_t exported = __atomic_load_n(&shared->exported, __ATOMIC_RELAXED);
    return PyFloat_FromDouble((double)exported / (double)shared->records);
}

static PyMethodDef scan_methods[] = {
    {"parse", (PyCFunction)(void (*)(void))scan_parse, METH_VARARGS | METH_KEYWORDS,
     "parse(threads=1, store_order=True): parse the whole file, in parallel runs of lines,\n"
     "without the GIL; the stream gives the records in store order (end time, then request\n"
     "id), or in file order. Raises ValueError naming the first line this parser does not\n"
     "vouch for."},
    {"__arrow_c_stream__", (PyCFunction)(void (*)(void))scan_arrow_c_stream,
     METH_VARARGS | METH_KEYWORDS,
     "A new Arrow C stream of the parsed records (PyCapsule interface)."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef scan_getset[] = {
    {"lines", (getter)scan_lines, NULL, "Physical lines of the file.", NULL},
    {"records", (getter)scan_records, NULL, "Records parsed.", NULL},
    {"duplicates", (getter)scan_duplicates, NULL, "Whether a request id occurs twice.", NULL},
    {"emulator", (getter)scan_emulator, NULL,
     "Whether the records look like the local emulator's (Max Memory Used always equal to "
     "Memory Size, one of them the emulator's size).", NULL},
    {"progress", (getter)scan_progress, NULL, "Fraction of the file parsed so far (0 to 1).",
     NULL},
    {"exported", (getter)scan_exported, NULL,
     "Fraction of the records the newest stream has handed over so far (0 to 1).", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject ReportScanType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "advisor.logs._scan.ReportScan",
    .tp_basicsize = sizeof(ReportScan),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "ReportScan(path, batch_rows=122880): a plain-text REPORT log, parsed by parse() "
              "and exported as an Arrow C stream of records.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)scan_init,
    .tp_dealloc = (destructor)scan_dealloc,
    .tp_methods = scan_methods,
    .tp_getset = scan_getset,
};

static struct PyModuleDef scan_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "advisor.logs._scan",
    .m_doc = "The bulk import's C parser of plain-text REPORT logs (see advisor/logs/fast.py).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__scan(void) {
    init_char_classes();
    if (PyType_Ready(&ReportScanType) < 0) return NULL;
    PyObject *module = PyModule_Create(&scan_module);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "VERSION", SCAN_VERSION) < 0 ||
        PyModule_AddIntConstant(module, "EMULATOR_MEMORY_MB", EMULATOR_MEMORY_MB) < 0 ||
        PyModule_AddObjectRef(module, "ReportScan", (PyObject *)&ReportScanType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
