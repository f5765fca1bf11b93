#include "poller/report/write_out.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "poller/report/json_record.hpp"
#include "poller/base/option_file.hpp"
#include "poller/input/target.hpp"
#include "poller/base/usage_error.hpp"

namespace poller {
namespace {

constexpr std::array<std::pair<std::string_view, WriteOutTemplate::Variable>, 28> variable_names{{
    {"content_type", WriteOutTemplate::Variable::content_type},
    {"errormsg", WriteOutTemplate::Variable::errormsg},
    {"http_code", WriteOutTemplate::Variable::http_code},
    {"http_version", WriteOutTemplate::Variable::http_version},
    {"json", WriteOutTemplate::Variable::json},
    {"method", WriteOutTemplate::Variable::method},
    {"name", WriteOutTemplate::Variable::name},
    {"num_connects", WriteOutTemplate::Variable::num_connects},
    {"num_redirects", WriteOutTemplate::Variable::num_redirects},
    {"remote_ip", WriteOutTemplate::Variable::remote_ip},
    {"remote_port", WriteOutTemplate::Variable::remote_port},
    {"response_code", WriteOutTemplate::Variable::http_code},
    {"round", WriteOutTemplate::Variable::round},
    {"scheme", WriteOutTemplate::Variable::scheme},
    {"size_download", WriteOutTemplate::Variable::size_download},
    {"size_header", WriteOutTemplate::Variable::size_header},
    {"size_request", WriteOutTemplate::Variable::size_request},
    {"speed_download", WriteOutTemplate::Variable::speed_download},
    {"state", WriteOutTemplate::Variable::state},
    {"time_appconnect", WriteOutTemplate::Variable::time_appconnect},
    {"time_connect", WriteOutTemplate::Variable::time_connect},
    {"time_namelookup", WriteOutTemplate::Variable::time_namelookup},
    {"time_pretransfer", WriteOutTemplate::Variable::time_pretransfer},
    {"time_redirect", WriteOutTemplate::Variable::time_redirect},
    {"time_starttransfer", WriteOutTemplate::Variable::time_starttransfer},
    {"time_total", WriteOutTemplate::Variable::time_total},
    {"url", WriteOutTemplate::Variable::url},
    {"url_effective", WriteOutTemplate::Variable::url_effective},
}};

std::string known_variables() {
  std::string known = "%header{NAME}";
  for (auto const& entry : variable_names) known += fmt::format(" %{{{}}}", entry.first);
  return known;
}

// curl's average download speed: the body's bytes over the whole fetch, whole bytes a second.
std::uint64_t bytes_per_second(const FetchResult& result) {
  auto const seconds = std::chrono::duration<double>(result.time_total).count();
  return seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(result.bytes) / seconds) : 0;
}

std::string seconds(Duration d) {
  // curl prints times as seconds with microsecond precision.
  return fmt::format("{:.6f}", std::chrono::duration<double>(d).count());
}

}  // namespace

std::string write_out_template_text(std::string_view argument) {
  if (argument.empty() || argument.front() != '@') return std::string(argument);
  auto const path = std::string(argument.substr(1));
  if (path == "-") {
    throw UsageError(
        "--write-out @-: a template from standard input is not supported (standard "
        "input may be the URL list); put it in a file and give -w @FILE");
  }
  return read_option_file("--write-out", path);
}

WriteOutTemplate WriteOutTemplate::parse(std::string_view text) {
  WriteOutTemplate result;
  std::string literal;
  auto flush_literal = [&] {
    if (!literal.empty()) result.pieces_.push_back({Variable::literal, std::move(literal)});
    literal.clear();
  };

  for (std::size_t i = 0; i < text.size(); ++i) {
    char const c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      char const next = text[i + 1];
      char const* escaped = next == 'n' ? "\n" : next == 't' ? "\t" : next == 'r' ? "\r" : next == '\\' ? "\\" : nullptr;
      if (escaped != nullptr) {
        literal += escaped;
        ++i;
        continue;
      }
    }
    if (c != '%' || i + 1 == text.size()) {
      literal += c;
      continue;
    }
    auto const rest = text.substr(i + 1);
    if (rest.front() == '%') {  // %% is one %, as in curl
      literal += '%';
      ++i;
      continue;
    }
    // curl's %header{NAME} (7.84+), and poller's older %{header{NAME}}.
    bool const curl_header = rest.starts_with("header{");
    if (curl_header || rest.starts_with("{header{")) {
      auto const name_start = i + 1 + (curl_header ? 7 : 8);
      auto const close = text.find(curl_header ? "}" : "}}", name_start);
      if (close == std::string_view::npos) {
        throw UsageError(fmt::format("--write-out: unterminated %header{{...}} at \"{}\"", text.substr(i)));
      }
      flush_literal();
      result.pieces_.push_back({Variable::header, std::string(text.substr(name_start, close - name_start))});
      i = close + (curl_header ? 0 : 1);
      continue;
    }
    if (rest.front() != '{') {
      literal += c;
      continue;
    }
    auto const name_start = i + 2;
    auto const close = text.find('}', name_start);
    if (close == std::string_view::npos) {
      throw UsageError(fmt::format("--write-out: unterminated variable at \"{}\"", text.substr(i)));
    }
    auto const name = text.substr(name_start, close - name_start);
    auto const found = std::find_if(variable_names.begin(), variable_names.end(),
                                    [&](auto const& entry) { return entry.first == name; });
    if (found == variable_names.end()) {
      throw UsageError(fmt::format("--write-out: unknown variable %{{{}}}; known: {}", name, known_variables()));
    }
    flush_literal();
    result.pieces_.push_back({found->second, {}});
    i = close;
  }
  flush_literal();
  return result;
}

std::string WriteOutTemplate::render(const FetchResult& result, const Verdict& verdict,
                                     const UrlState* state) const {
  Record record;
  render(result, verdict, state, record);
  return record.to_string();
}

bool WriteOutTemplate::uses_body() const {
  return std::any_of(pieces_.begin(), pieces_.end(),
                     [](const Piece& piece) { return piece.variable == Variable::json; });
}

bool WriteOutTemplate::uses_headers() const {
  return std::any_of(pieces_.begin(), pieces_.end(), [](const Piece& piece) {
    return piece.variable == Variable::header || piece.variable == Variable::content_type;
  });
}

void WriteOutTemplate::render(const FetchResult& result, const Verdict& verdict,
                              const UrlState* state, Record& record) const {
  std::string out;
  for (auto const& piece : pieces_) {
    switch (piece.variable) {
      case Variable::literal: out += piece.text; break;
      case Variable::url: out += result.target->display_url; break;
      case Variable::name: out += result.target->label(); break;
      case Variable::url_effective: out += result.url_effective; break;
      case Variable::http_code: out += fmt::format("{:03}", result.status.value_or(0)); break;
      case Variable::http_version: out += result.http_version; break;
      case Variable::size_download: out += std::to_string(result.bytes); break;
      case Variable::time_total: out += seconds(result.time_total); break;
      case Variable::time_namelookup: out += seconds(result.time_namelookup); break;
      case Variable::time_connect: out += seconds(result.time_connect); break;
      case Variable::time_appconnect: out += seconds(result.time_appconnect); break;
      case Variable::time_starttransfer: out += seconds(result.time_starttransfer); break;
      case Variable::num_redirects: out += std::to_string(result.redirects); break;
      case Variable::num_connects: out += std::to_string(result.connects); break;
      case Variable::remote_ip: out += result.remote_ip; break;
      case Variable::remote_port: out += std::to_string(result.remote_port); break;
      case Variable::method: out += result.method; break;
      // As curl 7.x prints it.
      case Variable::scheme: out += result.url_effective.starts_with("https:") ? "HTTPS" : "HTTP"; break;
      case Variable::content_type:
        if (result.headers != nullptr) out += result.headers->get("Content-Type");
        break;
      case Variable::size_header: out += std::to_string(result.header_bytes); break;
      case Variable::size_request: out += std::to_string(result.request_bytes); break;
      case Variable::speed_download: out += std::to_string(bytes_per_second(result)); break;
      case Variable::time_pretransfer: out += seconds(result.time_pretransfer); break;
      case Variable::time_redirect: out += seconds(result.time_redirect); break;
      case Variable::errormsg: out += verdict.reason; break;
      case Variable::round: out += std::to_string(result.round); break;
      case Variable::state:
        out += to_string(state != nullptr ? state->health : UrlState::Health::unknown);
        break;
      case Variable::json:
        record.append(out);
        out.clear();
        append_json_record(result, verdict, state, record);
        break;
      case Variable::header:
        if (result.headers != nullptr) out += result.headers->get(piece.text);
        break;
    }
  }
  record.append(out);
}

}  // namespace poller
