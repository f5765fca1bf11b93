#include "poller/base/fetch_error.hpp"

namespace poller {

std::string_view error_kind_name(FetchErrorKind kind) {
  // A switch without a default: the compiler names a kind added without its word.
  switch (kind) {
    case FetchErrorKind::cancelled:
      return "cancelled";
    case FetchErrorKind::resolve:
      return "resolve";
    case FetchErrorKind::connect:
      return "connect";
    case FetchErrorKind::tls:
      return "tls";
    case FetchErrorKind::proxy:
      return "proxy";
    case FetchErrorKind::timeout:
      return "timeout";
    case FetchErrorKind::connection:
      return "connection";
    case FetchErrorKind::protocol:
      return "protocol";
    case FetchErrorKind::too_large:
      return "too_large";
    case FetchErrorKind::out_of_memory:
      return "out_of_memory";
    case FetchErrorKind::redirect:
      return "redirect";
  }
  return "unknown";
}

}  // namespace poller
