// Micro-benchmarks of what poller does per request, each beside what it replaced where that is
// the point: numbers here come from bench/micro/run, not from the test suite.

#include <string>

#include <benchmark/benchmark.h>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http.hpp>

#include "request.hpp"
#include "poller/input/target.hpp"

namespace {

namespace http = boost::beast::http;

constexpr std::string_view url = "https://status.example.com:8443/api/v1/health?verbose=1";

poller::Target example_target() { return *poller::parse_target(url).target; }

poller::Options example_options() {
  poller::Options options;
  options.headers = {{"X-Request-Source", "poller"}};
  return options;
}

// The request bytes as poller writes them since 45889b7.
void FormatRequest(benchmark::State& state) {
  auto const target = example_target();
  auto const options = example_options();
  poller::RequestFormatter const formatter(options);
  std::string out;
  for (auto _ : state) {
    formatter.format(target, true, nullptr, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(FormatRequest);

// What it replaced: a Beast message with its fields, serialized into a string.
void FormatRequestWithBeastSerializer(benchmark::State& state) {
  auto const target = example_target();
  auto const options = example_options();
  std::string out;
  for (auto _ : state) {
    http::request<http::empty_body> request{http::verb::get, target.request_target, 11};
    request.set(http::field::host, target.host_header);
    request.set(http::field::user_agent, options.user_agent);
    request.set(http::field::accept, "*/*");
    for (auto const& header : options.headers) request.set(header.name, header.value);
    http::request_serializer<http::empty_body> serializer(request);
    out.clear();
    boost::beast::error_code ec;
    do {
      serializer.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
        for (auto const buffer : boost::beast::buffers_range_ref(buffers)) {
          out.append(static_cast<const char*>(buffer.data()), buffer.size());
        }
        serializer.consume(boost::beast::buffer_bytes(buffers));
      });
    } while (!ec && !serializer.is_done());
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(FormatRequestWithBeastSerializer);

// One line of a URL list taken apart (paid once per URL per load, and per redirect).
void ParseTarget(benchmark::State& state) {
  for (auto _ : state) {
    auto parsed = poller::parse_target(url);
    benchmark::DoNotOptimize(parsed.target->request_target.data());
  }
}
BENCHMARK(ParseTarget);

// The response side, as poller parses it: nginx's reply to a 100-byte file, whole in one read.
// The largest single cost left per request (see bench/RESULTS.md and the issue 5 note).
void ParseNginxResponse(benchmark::State& state) {
  std::string const response =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 26 Nov 2026 01:00:00 GMT\r\n"
      "Content-Type: text/plain\r\nContent-Length: 100\r\n"
      "Last-Modified: Wed, 25 Nov 2026 20:00:00 GMT\r\nConnection: keep-alive\r\n"
      "ETag: \"6565a2c0-64\"\r\nAccept-Ranges: bytes\r\n\r\n" +
      std::string(100, 'a');
  for (auto _ : state) {
    http::response_parser<http::string_body> parser;
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(response), ec);
    benchmark::DoNotOptimize(parser.is_done());
  }
}
BENCHMARK(ParseNginxResponse);

}  // namespace
