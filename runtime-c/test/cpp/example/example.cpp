// A complete C++ node (docs/cpp.md "A whole node"): the chat room of chat.interop served by a C++
// class and called through the generated client, in one program. ctest runs it (cpp_example_chat);
// it exits non-zero when something is not as its comments say.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "example_chat.hpp"

namespace chat = example::chat;

// The server: override the handlers; each answers through its Reply (now, or later on the loop).
class Room : public chat::Server {
 public:
  void post(std::string text, interop::Reply<chat::Message> reply) override {
    if (messages_.size() >= kMaxMessages) throw chat::RateLimited(60000);  // the caller catches chat::RateLimited
    chat::Message m{messages_.size() + 1, text, chat::Mood::HAPPY};
    messages_.push_back(m);
    chat::Publisher(node()).message_posted(m);  // to every subscriber
    reply(m);
  }
  void typing(std::string user) override { last_typing = user; }  // one-way: no reply

  // A server stream: send while the caller has credit, resume from on_ready, end with reply().
  void history(std::uint32_t count, interop::StreamWriter<chat::Message> out, interop::Reply<void> reply) override {
    const std::size_t first = messages_.size() > count ? messages_.size() - count : 0;
    auto job = std::make_shared<HistoryJob>(HistoryJob{{messages_.begin() + static_cast<long>(first), messages_.end()}, 0, out, reply});
    job->pump(job);
  }

  // A client stream: take the items as they come, answer after the last one.
  void post_all(interop::StreamReader<std::string> lines, interop::Reply<std::uint32_t> reply) override {
    auto posted = std::make_shared<std::uint32_t>(0);
    lines.on_items(
        [this, posted](std::string line) {
          messages_.push_back(chat::Message{messages_.size() + 1, line, std::nullopt});
          ++*posted;
        },
        [posted, reply]() mutable { reply(*posted); });
  }

  std::string last_typing;

 private:
  static constexpr std::size_t kMaxMessages = 5;
  struct HistoryJob {
    std::vector<chat::Message> items;
    std::size_t next;
    interop::StreamWriter<chat::Message> out;
    interop::Reply<void> reply;
    void pump(const std::shared_ptr<HistoryJob> &self) {
      for (; next < items.size(); next++) {
        interop::Send r = out.send(items[next]);
        if (r == interop::Send::full) return out.on_ready([self] { self->pump(self); });  // no credit now
        if (r == interop::Send::over) return;  // the caller cancelled
      }
      reply();  // the end of the stream
    }
  };
  std::vector<chat::Message> messages_;
};

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      std::fprintf(stderr, "example: %s is not so (line %d)\n", #cond, __LINE__); \
      return 1;                                                      \
    }                                                                \
  } while (0)

int main() {
  try {
    Room room;
    // This node hosts the room, so the client calls it directly. With a "connect" entry for
    // example.chat in the config (docs/config.md) the same code calls a room in another process.
    interop::Node node(R"({"node":"chat"})", {room.module_impl()});
    chat::Client client(node);

    std::vector<std::string> seen;  // events, delivered on the loop while it runs
    interop::Subscription sub = client.on_message_posted([&](const chat::Message &m) { seen.push_back(m.text); });

    chat::Message hello = node.wait(client.post("hello"));  // the future form
    CHECK(hello.id == 1 && hello.mood == chat::Mood::HAPPY);
    bool answered = false;
    client.post("again", [&](std::future<chat::Message> f) {  // the callback form
      answered = f.get().id == 2;
    });
    while (!answered) node.run_once();
    client.typing("ada");

    auto upload = client.post_all();  // a client stream
    for (const char *line : {"one", "two", "three"}) upload.write(line);
    CHECK(upload.finish() == 3);

    try {
      node.wait(client.post("too many"));
      CHECK(false);
    } catch (const chat::RateLimited &e) {  // a declared error, as its class
      CHECK(e.retry_after_ms == 60000);
    }

    auto history = client.with_timeout(5000).history(2);  // a server stream
    std::vector<std::string> last;
    while (std::optional<chat::Message> m = history.next()) last.push_back(m->text);
    history.finish();
    CHECK((last == std::vector<std::string>{"two", "three"}));

    node.run_for(20);
    CHECK((seen == std::vector<std::string>{"hello", "again"}));
    CHECK(room.last_typing == "ada");
    std::printf("example: ok\n");
  } catch (const interop::Error &e) {
    std::fprintf(stderr, "example: %s\n", e.what());
    return 1;
  }
  return 0;
}
