// g6 — the quote parser's fast path: simdjson's DOM parser, then a walk of
// the document that reads it the way market/quote.c's yajl callbacks do
// (market/quote_fast.h). Every branch that would be an error there returns
// false here, so the yajl parser reports it; the walk never decides an error
// on its own.
#include "market/quote_fast.h"

#include <simdjson.h>

#include <cstring>
#include <new>
#include <pthread.h>
#include <string_view>

static_assert(G6_QUOTE_FAST_PADDING >= simdjson::SIMDJSON_PADDING,
              "the body buffer's padding must cover simdjson's reads");

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// The parser shared by every thread, sized for G6_QUOTE_FAST_MAX once
// (quote_fast.h says why it never grows) and kept for the life of the
// process: a parse holds it ~0.5 ms of an index cycle of tens to hundreds
// of milliseconds, so one serves any number of index threads, and its
// memory (about 1.9 MB touched for a 440 KB batch) is paid once, not once
// per index. nullptr when its allocation failed (every body goes to yajl).
pthread_mutex_t parser_mu = PTHREAD_MUTEX_INITIALIZER;
pthread_once_t parser_once = PTHREAD_ONCE_INIT;
simdjson::dom::parser *parser = nullptr;

void parser_init() {
  auto *p = new (std::nothrow) simdjson::dom::parser(G6_QUOTE_FAST_MAX);
  if (p != nullptr && p->allocate(G6_QUOTE_FAST_MAX) != simdjson::SUCCESS) {
    delete p;
    p = nullptr;
  }
  parser = p;
}

// A number as the yajl path reads it: the double nearest to its text.
// simdjson keeps integers as int64/uint64 (converting those rounds to
// nearest, as strtod does) and parses the rest exactly.
bool number(element v, double *d) {
  switch (v.type()) {
  case element_type::INT64:
    *d = static_cast<double>(v.get_int64().value_unsafe());
    return true;
  case element_type::UINT64:
    *d = static_cast<double>(v.get_uint64().value_unsafe());
    return true;
  case element_type::DOUBLE:
    *d = v.get_double().value_unsafe();
    return true;
  default:
    return false;
  }
}

bool is_null(element v) { return v.type() == element_type::NULL_VALUE; }

// A value's JSON type as quote.c's messages name it.
const char *type_name(element v) {
  switch (v.type()) {
  case element_type::ARRAY: return "an array";
  case element_type::OBJECT: return "an object";
  case element_type::STRING: return "a string";
  case element_type::BOOL: return "a boolean";
  case element_type::NULL_VALUE: return "null";
  default: return "a number";
  }
}

struct walk {
  g6_quote_fast_out *o;
  g6_quote cur;

  // ohlc{open, high, low, close}: numbers or null; other keys skipped
  bool ohlc(element v) {
    simdjson::dom::object obj;
    if (v.get(obj) != simdjson::SUCCESS)
      return false;
    for (auto f : obj) {
      double *dst = f.key == "open"    ? &cur.open
                    : f.key == "high"  ? &cur.high
                    : f.key == "low"   ? &cur.low
                    : f.key == "close" ? &cur.close
                                       : nullptr;
      if (dst == nullptr || is_null(f.value))
        continue;
      double d;
      if (!number(f.value, &d))
        return false;
      cur.fields |= G6_QF_OHLC;
      *dst = d;
    }
    return true;
  }

  // one side of depth: levels {price, quantity, orders} (or null)
  bool side(element v, int s) {
    simdjson::dom::array arr;
    if (v.get(arr) != simdjson::SUCCESS)
      return false;
    int level = 0;
    for (element lv : arr) {
      if (is_null(lv))
        continue;
      simdjson::dom::object obj;
      if (lv.get(obj) != simdjson::SUCCESS)
        return false;
      double price = 0;
      int64_t qty = 0;
      for (auto f : obj) {
        bool is_price = f.key == "price", is_qty = f.key == "quantity";
        if ((!is_price && !is_qty && f.key != "orders") || is_null(f.value))
          continue;
        double d;
        if (!number(f.value, &d))
          return false;
        if (is_price)
          price = d;
        else if (is_qty && !g6_quote_count(d, &qty))
          return false;
      }
      g6_quote_end_level(&cur, s, level++, price, qty);
    }
    return true;
  }

  bool depth(element v) {
    simdjson::dom::object obj;
    if (v.get(obj) != simdjson::SUCCESS)
      return false;
    for (auto f : obj) {
      bool buy = f.key == "buy";
      if ((!buy && f.key != "sell") || is_null(f.value))
        continue;
      if (!side(f.value, buy ? 0 : 1))
        return false;
    }
    return true;
  }

  // the instrument's key of the quote being read (for messages)
  std::string_view ikey;

  bool quote(element v, long entry) {
    simdjson::dom::object obj;
    if (v.get(obj) != simdjson::SUCCESS)
      return false;
    std::memset(&cur, 0, sizeof(cur));
    for (auto f : obj) {
      std::string_view k = f.key;
      if (k == "ohlc" || k == "depth") {
        bool ok = is_null(f.value) ||
                  (k == "ohlc" ? ohlc(f.value) : depth(f.value));
        if (!ok)
          return false;
        continue;
      }
      if (k == "timestamp") {
        if (is_null(f.value))
          continue;
        std::string_view t;
        bool str = f.value.get(t) == simdjson::SUCCESS;
        int64_t ts = str ? g6_quote_kite_time(
                               reinterpret_cast<const unsigned char *>(
                                   t.data()),
                               t.size())
                         : G6_QUOTE_NOT_A_TIME;
        if (ts == G6_QUOTE_NOT_A_TIME) {
          // not a time: the quote keeps its prices, its time is unknown
          // (quote.c's yajl callbacks, the same words)
          if (entry >= 0) {
            char key[G6_QUOTE_KEY_MAX];
            g6_quote_printable_copy(
                key, sizeof(key),
                reinterpret_cast<const unsigned char *>(ikey.data()),
                ikey.size());
            g6_quote_bad_time(
                &cur, o->info, key, type_name(f.value),
                str ? reinterpret_cast<const unsigned char *>(t.data())
                    : nullptr,
                str ? t.size() : 0);
          }
          continue;
        }
        cur.timestamp = ts;
        cur.fields &= ~static_cast<uint32_t>(G6_QF_TIME_UNREADABLE);
        if (ts != 0)
          cur.fields |= G6_QF_TIMESTAMP;
        continue;
      }
      unsigned bit = k == "last_price"         ? G6_QF_LAST_PRICE
                     : k == "average_price"    ? G6_QF_AVERAGE_PRICE
                     : k == "volume"           ? G6_QF_VOLUME
                     : k == "oi"               ? G6_QF_OI
                     : k == "buy_quantity"     ? G6_QF_BUY_QUANTITY
                     : k == "sell_quantity"    ? G6_QF_SELL_QUANTITY
                     : k == "instrument_token" ? G6_QF_TOKEN
                                               : 0;
      if (bit == 0 || is_null(f.value))
        continue;
      double d;
      if (!number(f.value, &d))
        return false;
      if (bit == G6_QF_LAST_PRICE) {
        cur.last_price = d;
      } else if (bit == G6_QF_AVERAGE_PRICE) {
        cur.average_price = d;
      } else {
        int64_t n;
        if (!g6_quote_count(d, &n))
          return false;
        switch (bit) {
        case G6_QF_VOLUME: cur.volume = n; break;
        case G6_QF_OI: cur.oi = n; break;
        case G6_QF_BUY_QUANTITY: cur.buy_quantity = n; break;
        case G6_QF_SELL_QUANTITY: cur.sell_quantity = n; break;
        default: cur.instrument_token = static_cast<uint64_t>(n); break;
        }
      }
      cur.fields |= bit;
    }
    g6_quote_end_object(o->t, entry, &cur, o->info);
    return true;
  }

  bool data(element v) {
    simdjson::dom::object obj;
    if (v.get(obj) != simdjson::SUCCESS)
      return false;
    for (auto f : obj) {
      std::string_view k = f.key;
      long entry = k.size() < G6_QUOTE_KEY_MAX
                       ? g6_quote_table_find_n(o->t, k.data(), k.size())
                       : -1;
      if (entry < 0) {
        o->info->unexpected++;
      } else {
        if (o->seen[entry])
          return false; // an instrument twice: yajl says so
        o->seen[entry] = 1;
      }
      ikey = k;
      if (!quote(f.value, entry))
        return false;
    }
    return true;
  }

  bool top(element root) {
    simdjson::dom::object obj;
    if (root.get(obj) != simdjson::SUCCESS)
      return false;
    for (auto f : obj) {
      std::string_view k = f.key;
      if (k == "status") {
        std::string_view s;
        if (f.value.get(s) != simdjson::SUCCESS)
          return false;
        o->status = s == "success" ? 1 : s == "error" ? 2 : 3;
      } else if (k == "data") {
        if (o->data_kind != 0)
          return false;
        if (is_null(f.value)) {
          o->data_kind = 2;
          continue;
        }
        o->data_kind = 1;
        if (!data(f.value))
          return false;
      } else if (k == "error_type" || k == "message") {
        if (is_null(f.value))
          continue;
        std::string_view s;
        if (f.value.get(s) != simdjson::SUCCESS)
          return false;
        bool type = k == "error_type";
        g6_quote_printable_copy(
            type ? o->info->error_type : o->info->message,
            type ? sizeof(o->info->error_type) : sizeof(o->info->message),
            reinterpret_cast<const unsigned char *>(s.data()), s.size());
      }
    }
    return true;
  }
};

} // namespace

extern "C" bool g6_quote_fast_parse(const char *body, size_t len,
                                    g6_quote_fast_out *out) {
  if (len > G6_QUOTE_FAST_MAX)
    return false;
  pthread_once(&parser_once, parser_init);
  pthread_mutex_lock(&parser_mu);
  bool ok = false;
  element root;
  if (parser != nullptr &&
      parser->parse(reinterpret_cast<const uint8_t *>(body), len, false)
              .get(root) == simdjson::SUCCESS) {
    walk w{out, {}, {}};
    ok = w.top(root); // the document lives in the parser: walk it locked
  }
  pthread_mutex_unlock(&parser_mu);
  return ok;
}
