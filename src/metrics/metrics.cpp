#include "poller/metrics/metrics.hpp"

#include <charconv>
#include <iterator>
#include <vector>

#include <fmt/format.h>

namespace poller {
namespace {

double unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

// The text is built with appends below, not format strings: a scrape of a large list is tens of
// megabytes of it, and parsing a format string per line made rendering markedly slower.

// A label value as the text format wants it: backslash, double quote and line feed escaped.
void append_escaped(std::string& out, std::string_view value) {
  if (value.find_first_of("\\\"\n") == std::string_view::npos) {
    out += value;
    return;
  }
  for (char const c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void append_number(std::string& out, std::uint64_t n) {
  char digits[20];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
}

// `name{labels} `: a sample up to its value. `labels` is `a="x",b="y"`, or empty.
void append_series(std::string& out, std::string_view name, std::string_view labels) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
}

// `name{labels} value`: one sample of a whole number (a count, a status, 0 or 1), with its line end.
void append_sample(std::string& out, std::string_view name, std::string_view labels,
                   std::uint64_t value) {
  append_series(out, name, labels);
  append_number(out, value);
  out += '\n';
}

// histogram_bounds as the `le` label values (shortest form, as Go's clients write them: "0.005").
const std::array<std::string, histogram_bounds.size()>& bound_labels() {
  static const auto labels = [] {
    std::array<std::string, histogram_bounds.size()> made;
    for (std::size_t i = 0; i < made.size(); ++i) made[i] = fmt::format("{}", histogram_bounds[i]);
    return made;
  }();
  return labels;
}

void append_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const SecondsHistogram& histogram) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= histogram_bounds.size(); ++i) {
    cumulative += histogram.bucket(i);
    out += name;
    out += "_bucket{";
    out += labels;
    out += labels.empty() ? "le=\"" : ",le=\"";
    out += i < histogram_bounds.size() ? std::string_view(bound_labels()[i]) : "+Inf";
    out += "\"} ";
    append_number(out, cumulative);
    out += '\n';
  }
  std::string const sum_name = std::string(name) + "_sum";
  append_series(out, sum_name, labels);
  fmt::format_to(std::back_inserter(out), "{}\n", histogram.sum());
  append_sample(out, std::string(name) + "_count", labels, cumulative);
}

// One metric family: its header, and either one URL's lines or the overall lines.
struct Family {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  // Appends the lines of one URL, given its label (`url="..."`, escaped); may append nothing.
  void (*per_url)(const Family& family, std::string_view url_label,
                  const ResultStore::Series& series, std::string& out) = nullptr;
  void (*overall)(const Family& family, const ResultStore::Snapshot& store, std::string& out) =
      nullptr;
};

const std::vector<Family>& families() {
  using Series = ResultStore::Series;
  static const std::vector<Family> all{
      {"poller_up", "gauge", "Whether the last fetch of the URL succeeded (1) or failed (0).",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         append_sample(out, f.name, url, s.up ? 1 : 0);
       }},
      {"poller_state_up", "gauge",
       "The URL's state by --down-after and --up-after: 1 up, 0 down; absent while unknown.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         if (s.health == UrlState::Health::unknown) return;
         append_sample(out, f.name, url, s.health == UrlState::Health::up ? 1 : 0);
       }},
      {"poller_state_changes_total", "counter",
       "Events of the URL: changes to down, and from down to up.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         append_sample(out, f.name, url, s.state_changes);
       }},
      {"poller_http_status", "gauge",
       "HTTP status of the final response of the URL's last fetch; 0 when none arrived.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         append_sample(out, f.name, url, s.http_status);
       }},
      {"poller_fetches_total", "counter", "Fetches of the URL, by result (success or failure).",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         append_sample(out, f.name, std::string(url) + ",result=\"success\"", s.successes);
         append_sample(out, f.name, std::string(url) + ",result=\"failure\"", s.failures);
       }},
      {"poller_skipped_total", "counter",
       "Fetches of the URL not made, by reason: retry_after (its server answered 429 or 503 "
       "with Retry-After). Absent until the first skip.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         if (s.skipped_retry_after == 0) return;
         append_sample(out, f.name, std::string(url) + ",reason=\"retry_after\"",
                       s.skipped_retry_after);
       }},
      {"poller_fetch_duration_seconds", "histogram",
       "Total time of each of the URL's fetches, redirects included: the time --max-latency "
       "judges.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         append_histogram(out, f.name, url, s.total);
       }},
      {"poller_check_failed", "gauge",
       "Whether a check failed the URL's last fetch (1) or not (0), by check: status, body, "
       "latency, cert_expiry.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         for (auto const check : {"status", "body", "latency", "cert_expiry"}) {
           append_sample(out, f.name, fmt::format("{},check=\"{}\"", url, check),
                         s.failed_check == check ? 1 : 0);
         }
       }},
      {"poller_fetch_phase_duration_seconds", "histogram",
       "Duration of each phase of the URL's fetches: resolve, connect, tls, processing (request "
       "sent to first response byte), transfer (the rest of the response). A phase that did not "
       "happen (a reused connection has no resolve, connect or tls) is not observed.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         for (std::size_t i = 0; i < s.phases.size(); ++i) {
           if (s.phases[i].count() == 0) continue;
           auto const labels = std::string(url) + ",phase=\"" +
                               std::string(to_string(static_cast<FetchPhase>(i))) + "\"";
           append_histogram(out, f.name, labels, s.phases[i]);
         }
       }},
      {"poller_last_success_timestamp_seconds", "gauge",
       "When the URL's last successful fetch ended, in seconds since the Unix epoch; absent "
       "until one succeeded.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         if (!s.last_success) return;
         append_series(out, f.name, url);
         fmt::format_to(std::back_inserter(out), "{:.3f}\n", unix_seconds(*s.last_success));
       }},
      {"poller_cert_expiry_timestamp_seconds", "gauge",
       "When the leaf certificate the URL's server last presented expires (its notAfter), in "
       "seconds since the Unix epoch; https only.",
       [](const Family& f, std::string_view url, const Series& s, std::string& out) {
         if (!s.cert_expiry) return;
         auto const expiry =
             std::chrono::duration_cast<std::chrono::seconds>(s.cert_expiry->time_since_epoch());
         append_series(out, f.name, url);
         fmt::format_to(std::back_inserter(out), "{}\n", expiry.count());
       }},
      {"poller_rounds_total", "counter", "Rounds started.", nullptr,
       [](const Family& f, const ResultStore::Snapshot& r, std::string& out) {
         append_sample(out, f.name, "", r.rounds);
       }},
      {"poller_round_lateness_seconds", "histogram",
       "How long after its scheduled start each round began.", nullptr,
       [](const Family& f, const ResultStore::Snapshot& r, std::string& out) {
         append_histogram(out, f.name, "", r.round_lateness);
       }},
      {"poller_connections_opened_total", "counter", "Connections opened (TCP, and TLS for https).",
       nullptr,
       [](const Family& f, const ResultStore::Snapshot& r, std::string& out) {
         append_sample(out, f.name, "", r.connections_opened);
       }},
      {"poller_connections_reused_total", "counter",
       "Fetches whose request went over a keep-alive connection opened earlier.", nullptr,
       [](const Family& f, const ResultStore::Snapshot& r, std::string& out) {
         append_sample(out, f.name, "", r.connections_reused);
       }},
      {"poller_shard_info", "gauge",
       "The shard of the fleet this instance fetches (--shard K/N): shard K of shards N; always 1.",
       nullptr,
       [](const Family& f, const ResultStore::Snapshot& r, std::string& out) {
         if (!r.shard) return;
         append_sample(out, f.name,
                       fmt::format("shard=\"{}\",shards=\"{}\"", r.shard->index, r.shard->count),
                       1);
       }},
  };
  return all;
}

void render_family_header(const Family& family, std::string& out) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", family.name, family.help,
                 family.name, family.type);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  append_escaped(out, value);
  return out;
}

bool render_metrics_some(const ResultStore::Snapshot& snapshot, MetricsCursor& cursor,
                         std::string& out, std::size_t budget) {
  auto const& urls = snapshot.urls;
  auto const start = out.size();
  auto const& all = families();
  auto over_budget = [&] { return out.size() - start >= budget; };
  while (cursor.family < all.size()) {
    auto const& family = all[cursor.family];
    if (family.overall != nullptr) {
      // Without a series (poller_shard_info without --shard), no header either.
      std::string lines;
      family.overall(family, snapshot, lines);
      if (!lines.empty()) {
        render_family_header(family, out);
        out += lines;
      }
    } else {
      std::string url_label;
      while (cursor.url < urls.size()) {
        auto const& [key, series] = urls[cursor.url++];
        auto const mark = out.size();
        // name: its --name, else the URL, so that a dashboard can always label by name.
        auto const& [listed_url, name] = *key;
        url_label.assign("url=\"");
        append_escaped(url_label, listed_url);
        url_label += "\",name=\"";
        append_escaped(url_label, name.empty() ? listed_url : name);
        url_label += '"';
        family.per_url(family, url_label, *series, out);
        // A family without a single series is left out whole, header and all, as the Go client
        // does: poller_last_success_timestamp_seconds before any success, say.
        if (out.size() != mark && !cursor.header_written) {
          std::string header;
          render_family_header(family, header);
          out.insert(mark, header);
          cursor.header_written = true;
        }
        if (over_budget() && cursor.url < urls.size()) return true;
      }
    }
    ++cursor.family;
    cursor.url = 0;
    cursor.header_written = false;
    if (over_budget()) return cursor.family < all.size();
  }
  return false;
}

std::string render_metrics(const ResultStore& store) {
  auto const snapshot = store.snapshot();
  std::string out;
  MetricsCursor cursor;
  while (render_metrics_some(snapshot, cursor, out, std::string::npos)) {
  }
  return out;
}

}  // namespace poller
