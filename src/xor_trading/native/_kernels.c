/*
 * Compiled loops of XOR: the SMA running sum and the backtest fast path's trade simulation.
 *
 * Plain C over the buffer protocol (no numpy headers): Python allocates every array and
 * passes it in; this code only reads and writes them. Exact integer arithmetic throughout
 * (prices in ticks, quantities in lots, money in units), mirroring the decimal code of the
 * simulated venue; see src/xor_trading/backtest/fast_path.py for the contract. A loop in
 * C rather than numba: the same speed without numba's ~110 MB of memory and ~2 s import
 * (docs/adr/0008-native-kernels.md).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef int64_t i64;

/* ---------------------------------------------------------------- SMA ---------------------- */

/* TA-Lib's exact operation order: add the newest value, emit sum / period, subtract the
 * oldest. The incremental Python form (indicators/moving_average.py) does the same. */
static PyObject *sma_into(PyObject *self, PyObject *args) {
    Py_buffer values, out;
    Py_ssize_t period;
    if (!PyArg_ParseTuple(args, "y*nw*", &values, &period, &out)) return NULL;
    Py_ssize_t n = values.len / (Py_ssize_t)sizeof(double);
    if (out.len != values.len || period < 1) {
        PyBuffer_Release(&values);
        PyBuffer_Release(&out);
        PyErr_SetString(PyExc_ValueError, "sma_into: out must match values; period >= 1");
        return NULL;
    }
    const double *x = (const double *)values.buf;
    double *y = (double *)out.buf;
    for (Py_ssize_t i = 0; i < n && i < period - 1; i++) y[i] = NAN;
    if (period <= n) {
        double total = 0.0;
        for (Py_ssize_t i = 0; i < period - 1; i++) total += x[i];
        for (Py_ssize_t i = period - 1; i < n; i++) {
            total += x[i];
            y[i] = total / (double)period;
            total -= x[i - period + 1];
        }
    }
    PyBuffer_Release(&values);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------- fast path ------------------------- */

enum { P_CASH, P_STAKE, P_K, P_FEE_Q, P_MIN_NOTIONAL, P_MIN_LOTS, P_MAX_LOTS, P_TAKER_N,
       P_TAKER_D, P_MAKER_N, P_MAKER_D, P_SLIP_N, P_SLIP_D, P_SL_N, P_SL_D, P_TP_N, P_TP_D,
       P_COUNT };
enum { T_ENTRY_BAR, T_EXIT_BAR, T_ENTRY_T, T_EXIT_T, T_LOTS, T_FEE_E, T_FEE_X, T_REASON,
       T_ENTRY_OID, T_EXIT_OID, T_COLS };
enum { REASON_SIGNAL = 0, REASON_STOP_LOSS = 1, REASON_TAKE_PROFIT = 2, REASON_END_OF_DATA = 3 };

static inline i64 ceil_div(i64 a, i64 b) { return (a + b - 1) / b; } /* a >= 0, b > 0 */
static inline i64 tick_of(double price, double tick_f) { return (i64)rint(price / tick_f); }

typedef struct {
    const i64 *p;
    i64 *trades, *fills, *expired; /* row-major: [cap][T_COLS], [2 cap][3], [cap][3] */
    i64 nt, nf, nr;
    i64 cash, lots, entry_t, fee_e, entry_bar, entry_oid;
} Sim;

static inline i64 fee_of(const Sim *s, i64 value, int maker) {
    const i64 *p = s->p;
    i64 num = maker ? p[P_MAKER_N] : p[P_TAKER_N];
    i64 den = maker ? p[P_MAKER_D] : p[P_TAKER_D];
    return ceil_div(value * num, den * p[P_FEE_Q]) * p[P_FEE_Q];
}

static inline void record_fill(Sim *s, i64 bar) {
    i64 *f = s->fills + 3 * s->nf++;
    f[0] = bar;
    f[1] = s->cash;
    f[2] = s->lots;
}

/* The position closes at exit_t (ticks): settle, write the round trip and the fill. */
static void close_position(Sim *s, i64 bar, i64 exit_t, int maker, i64 reason, i64 exit_oid) {
    i64 value = exit_t * s->lots * s->p[P_K];
    i64 fee = fee_of(s, value, maker);
    s->cash += value - fee;
    i64 *t = s->trades + T_COLS * s->nt++;
    t[T_ENTRY_BAR] = s->entry_bar;
    t[T_EXIT_BAR] = bar;
    t[T_ENTRY_T] = s->entry_t;
    t[T_EXIT_T] = exit_t;
    t[T_LOTS] = s->lots;
    t[T_FEE_E] = s->fee_e;
    t[T_FEE_X] = fee;
    t[T_REASON] = reason;
    t[T_ENTRY_OID] = s->entry_oid;
    t[T_EXIT_OID] = exit_oid;
    s->lots = 0;
    record_fill(s, bar);
}

static inline int tradable(const i64 *p, i64 lots, i64 price_t) {
    return lots >= p[P_MIN_LOTS] && lots <= p[P_MAX_LOTS] &&
           lots * price_t * p[P_K] >= p[P_MIN_NOTIONAL];
}

static PyObject *simulate_long_only(PyObject *self, PyObject *args) {
    Py_buffer ob, hb, lb, cb, eb, xb, pb, tb, fb, rb;
    double tick_f;
    if (!PyArg_ParseTuple(args, "y*y*y*y*dy*y*y*w*w*w*", &ob, &hb, &lb, &cb, &tick_f, &eb, &xb,
                          &pb, &tb, &fb, &rb))
        return NULL;
    const double *o_f = ob.buf, *h_f = hb.buf, *l_f = lb.buf, *c_f = cb.buf;
    const unsigned char *entries = eb.buf, *exits = xb.buf;
    const i64 *p = pb.buf;
    Py_ssize_t n = ob.len / (Py_ssize_t)sizeof(double);
    PyObject *result = NULL;
    if (pb.len != P_COUNT * (Py_ssize_t)sizeof(i64) || eb.len != n || xb.len != n ||
        hb.len != ob.len || lb.len != ob.len || cb.len != ob.len) {
        PyErr_SetString(PyExc_ValueError, "simulate_long_only: inconsistent buffer sizes");
        goto done;
    }

    Sim s = {p, tb.buf, fb.buf, rb.buf, 0, 0, 0, p[P_CASH], 0, 0, 0, 0, 0};
    const i64 slip_n = p[P_SLIP_N], slip_d = p[P_SLIP_D];
    const i64 sl_n = p[P_SL_N], sl_d = p[P_SL_D], tp_n = p[P_TP_N], tp_d = p[P_TP_D];
    const int has_sl = sl_n > 0, has_tp = tp_n > 0;
    i64 oid = 0, pending_entry = 0, pending_entry_oid = 0, pending_exit_oid = 0, denied = 0;
    int pending_exit = 0, brackets_seen = 0;
    i64 sl_t = -1, tp_t = -1;

    for (Py_ssize_t i = 0; i < n; i++) {
        int filled_here = 0;
        i64 o = tick_of(o_f[i], tick_f);
        /* --- the open: a jump from the previous close --- */
        if (pending_entry > 0) {
            i64 price = ceil_div(o * (slip_d + slip_n), slip_d);
            i64 value = price * pending_entry * p[P_K];
            i64 fee = fee_of(&s, value, 0);
            if (s.cash >= value + fee) {
                s.cash -= value + fee;
                s.lots = pending_entry;
                s.entry_t = price;
                s.fee_e = fee;
                s.entry_bar = i;
                s.entry_oid = pending_entry_oid;
                filled_here = 1;
                record_fill(&s, i);
                /* Both legs or none: an OCO order list is accepted or rejected whole. */
                i64 st = has_sl ? (s.entry_t * (100 * sl_d - sl_n)) / (100 * sl_d) : 1;
                i64 tt = has_tp ? ceil_div(s.entry_t * (100 * tp_d + tp_n), 100 * tp_d) : 1;
                int legs_ok = st > 0 && (!has_sl || s.lots * st * p[P_K] >= p[P_MIN_NOTIONAL]) &&
                              (!has_tp || s.lots * tt * p[P_K] >= p[P_MIN_NOTIONAL]);
                sl_t = legs_ok && has_sl ? st : -1;
                tp_t = legs_ok && has_tp ? tt : -1;
                brackets_seen = 0;
            } else {
                i64 *r = s.expired + 3 * s.nr++;
                r[0] = i;
                r[1] = pending_entry;
                r[2] = pending_entry_oid;
            }
            pending_entry = 0;
        } else if (pending_exit) {
            close_position(&s, i, (o * (slip_d - slip_n)) / slip_d, 0, REASON_SIGNAL,
                           pending_exit_oid);
            pending_exit = 0;
        } else if (s.lots > 0 && brackets_seen) {
            if (sl_t > 0 && o <= sl_t) { /* gap through the stop: fill at the open */
                close_position(&s, i, (o * (slip_d - slip_n)) / slip_d, 0, REASON_STOP_LOSS, 0);
                sl_t = tp_t = -1;
            } else if (tp_t > 0 && o > tp_t) { /* resting limit traded through */
                close_position(&s, i, tp_t, 1, REASON_TAKE_PROFIT, 0);
                sl_t = tp_t = -1;
            }
        }
        /* --- the three continuous segments of the candle's path --- */
        if (s.lots > 0 && (sl_t > 0 || tp_t > 0)) {
            i64 close_t = tick_of(c_f[i], tick_f);
            i64 p1, p2;
            if (close_t >= o) {
                p1 = tick_of(l_f[i], tick_f);
                p2 = tick_of(h_f[i], tick_f);
            } else {
                p1 = tick_of(h_f[i], tick_f);
                p2 = tick_of(l_f[i], tick_f);
            }
            i64 a = o;
            for (int k = 0; k < 3; k++) {
                i64 b = k == 0 ? p1 : (k == 1 ? p2 : close_t);
                i64 exit_t = -1, reason = 0;
                int maker = 0;
                if (sl_t > 0) {
                    i64 at = a <= sl_t ? a : (b <= sl_t ? sl_t : -1);
                    if (at >= 0) {
                        exit_t = (at * (slip_d - slip_n)) / slip_d;
                        reason = REASON_STOP_LOSS;
                    }
                }
                if (exit_t < 0 && tp_t > 0) {
                    if (!brackets_seen && a >= tp_t) { /* marketable on arrival: taker at a */
                        exit_t = (a * (slip_d - slip_n)) / slip_d;
                        reason = REASON_TAKE_PROFIT;
                    } else if ((a > b ? a : b) > tp_t) {
                        exit_t = tp_t;
                        reason = REASON_TAKE_PROFIT;
                        maker = 1;
                    }
                }
                brackets_seen = 1;
                if (exit_t >= 0) {
                    close_position(&s, i, exit_t, maker, reason, 0);
                    sl_t = tp_t = -1;
                    break;
                }
                a = b;
            }
        } else if (filled_here) {
            brackets_seen = 1;
        }
        /* --- the close: the strategy's decisions --- */
        if (s.lots > 0 && exits[i]) {
            oid++;
            if (tradable(p, s.lots, tick_of(c_f[i], tick_f))) {
                pending_exit = 1;
                pending_exit_oid = oid;
                sl_t = tp_t = -1; /* the exit cancels the position's stop and target first */
            } else {
                denied++;
            }
        } else if (s.lots == 0 && entries[i]) {
            oid++;
            i64 c = tick_of(c_f[i], tick_f);
            i64 want = p[P_STAKE] / (c * p[P_K]);
            if (tradable(p, want, c)) {
                pending_entry = want;
                pending_entry_oid = oid;
            } else {
                denied++;
            }
        }
    }
    /* --- end of data: working orders are canceled, the position closes at the last close --- */
    i64 open_fee = 0; /* entry fee of a position the end of data could not close (dust) */
    if (s.lots > 0 && n > 0) {
        i64 c = tick_of(c_f[n - 1], tick_f);
        if (tradable(p, s.lots, c)) {
            close_position(&s, n - 1, (c * (slip_d - slip_n)) / slip_d, 0, REASON_END_OF_DATA,
                           pending_exit ? pending_exit_oid : 0);
        } else {
            open_fee = s.fee_e;
        }
    }
    result = Py_BuildValue("(LLLLLLL)", (long long)s.nt, (long long)s.nf, (long long)s.nr,
                           (long long)pending_entry, (long long)pending_entry_oid,
                           (long long)denied, (long long)open_fee);
done:
    PyBuffer_Release(&ob);
    PyBuffer_Release(&hb);
    PyBuffer_Release(&lb);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&eb);
    PyBuffer_Release(&xb);
    PyBuffer_Release(&pb);
    PyBuffer_Release(&tb);
    PyBuffer_Release(&fb);
    PyBuffer_Release(&rb);
    return result;
}

static PyMethodDef methods[] = {
    {"sma_into", sma_into, METH_VARARGS, "sma_into(values, period, out): TA-Lib-exact SMA."},
    {"simulate_long_only", simulate_long_only, METH_VARARGS,
     "simulate_long_only(o, h, l, c, tick, entries, exits, params, trades, fills, expired)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels",
                                    "Compiled loops of XOR (see _kernels.c).", -1, methods};

PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
