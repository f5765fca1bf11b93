#pragma once
// Unit tests of option parsers: what a parser says of text it must refuse.

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "options.hpp"

namespace poller {

// The UsageError message, or a test failure when `text` is accepted.
template <class Parse>
std::string usage_error_of(Parse parse, std::string_view text) {
  try {
    parse(text);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "\"" << text << "\" was accepted";
  return {};
}

}  // namespace poller
