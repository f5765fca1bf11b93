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
  static constexpr std::array<std::pair<std::string_view, Variable>, 19> names{{
      {"url", Variable::url},
      {"name", Variable::name},
      {"url_effective", Variable::url_effective},
      {"http_code", Variable::http_code},
      {"response_code", Variable::http_code},
      {"http_version", Variable::http_version},
      {"size_download", Variable::size_download},
      {"time_total", Variable::time_total},
      {"time_namelookup", Variable::time_namelookup},
      {"time_connect", Variable::time_connect},
      {"time_appconnect", Variable::time_appconnect},
      {"time_starttransfer", Variable::time_starttransfer},
      {"num_redirects", Variable::num_redirects},
      {"num_connects", Variable::num_connects},
      {"remote_ip", Variable::remote_ip},
      {"errormsg", Variable::errormsg},
      {"round", Variable::round},
      {"state", Variable::state},
      {"json", Variable::json},
  }};

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
    if (c != '%' || i + 1 >= text.size() || text[i + 1] != '{') {
      literal += c;
      continue;
    }
    // %{header{NAME}} nests one pair of braces; every other variable is %{name}.
    auto const name_start = i + 2;
    if (text.substr(name_start).starts_with("header{")) {
      auto const close = text.find("}}", name_start);
      if (close == std::string_view::npos) {
        throw UsageError(fmt::format("--write-out: unterminated %{{header{{...}}}} at \"{}\"", text.substr(i)));
      }
      flush_literal();
      auto const header_name = text.substr(name_start + 7, close - name_start - 7);
      result.pieces_.push_back({Variable::header, std::string(header_name)});
      i = close + 1;
      continue;
    }
    auto const close = text.find('}', name_start);
    if (close == std::string_view::npos) {
      throw UsageError(fmt::format("--write-out: unterminated variable at \"{}\"", text.substr(i)));
    }
    auto const name = text.substr(name_start, close - name_start);
    auto const found = std::find_if(names.begin(), names.end(), [&](auto const& entry) { return entry.first == name; });
    if (found == names.end()) throw UsageError(fmt::format("--write-out: unknown variable %{{{}}}", name));
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
  return std::any_of(pieces_.begin(), pieces_.end(),
                     [](const Piece& piece) { return piece.variable == Variable::header; });
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
