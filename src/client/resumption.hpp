#pragma once
// A suspended coroutine's completion handler, kept until the event it waits for comes, then
// resumed from a handler of its own (never inline: whoever delivers the event goes on first).
// asio::any_completion_handler would do; with Boost 1.81 it recursed without end here (its
// allocator wrapping itself, a stack overflow at the first connect), cause not pinned down.
// Private to the client.

#include <memory>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace poller {

template <class... Args>
class Resumption {
 public:
  template <class Handler>
  void keep(Handler handler) {
    kept_ = std::make_unique<Kept<Handler>>(std::move(handler));
  }
  explicit operator bool() const { return kept_ != nullptr; }

  // Resumes now, from the handler that delivers the event (itself run by the io_context): for an
  // event that is the very completion the coroutine waits for.
  void resume_now(Args... args) {
    auto kept = std::move(kept_);
    kept->call(std::move(args)...);
  }

  // Posts the resumption with `args`; nothing is kept afterwards.
  void post(boost::asio::io_context& io, Args... args) {
    boost::asio::post(io, [kept = std::move(kept_), ... args = std::move(args)]() mutable {
      kept->call(std::move(args)...);
    });
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void call(Args... args) = 0;
  };
  template <class Handler>
  struct Kept final : Base {
    explicit Kept(Handler handler) : handler(std::move(handler)) {}
    void call(Args... args) override { std::move(handler)(std::move(args)...); }
    Handler handler;
  };
  std::unique_ptr<Base> kept_;
};

}  // namespace poller
