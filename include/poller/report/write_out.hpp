#pragma once
// -w, --write-out TEMPLATE: curl's %{variable} template, rendered after each fetch.

#include <string>
#include <string_view>
#include <vector>

#include "poller/base/fetch_result.hpp"
#include "poller/report/record.hpp"
#include "poller/report/url_state.hpp"
#include "poller/report/verdict.hpp"

namespace poller {

// The template an -w argument stands for: the argument itself, or with "@FILE" the bytes of FILE
// (as curl; a trailing newline in the file is part of the template). "@-" is refused: standard
// input may carry the URL list. Throws UsageError when the file cannot be read.
std::string write_out_template_text(std::string_view argument);

class WriteOutTemplate {
 public:
  // curl's variables, spelled as in curl 7.84+ (%{response_code} is %{http_code}, %header{NAME}
  // a response header), plus poller's own: name, errormsg (the verdict's reason), round, state
  // (the entry's: unknown, up, down), json (the --format json record).
  enum class Variable {
    literal,
    url,
    name,  // --name, else the URL
    url_effective,
    http_code,
    http_version,
    size_download,
    time_total,
    time_namelookup,
    time_connect,
    time_appconnect,
    time_starttransfer,
    num_redirects,
    num_connects,
    remote_ip,
    remote_port,
    method,
    scheme,
    content_type,
    size_header,
    size_request,
    speed_download,
    time_pretransfer,
    time_redirect,
    errormsg,
    round,
    state,
    json,
    header,
  };

  // Escapes: \n \t \r \\ and %%. Throws UsageError naming an unknown or unterminated variable
  // (and listing the known ones).
  static WriteOutTemplate parse(std::string_view text);

  // `state`: the entry's (null: %{state} is "unknown").
  std::string render(const FetchResult& result, const Verdict& verdict,
                     const UrlState* state = nullptr) const;
  // The same, into a record that refers to the body rather than copying it (%{json}).
  void render(const FetchResult& result, const Verdict& verdict, const UrlState* state,
              Record& out) const;
  // Whether the template prints the body (%{json} does); the rest needs only its size.
  bool uses_body() const;
  // Whether it prints a response header (%header{NAME}, %{content_type}).
  bool uses_headers() const;

 private:
  struct Piece {
    Variable variable;
    std::string text;  // the literal, or the header name
  };

  std::vector<Piece> pieces_;
};

}  // namespace poller
