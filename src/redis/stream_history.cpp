#include "redis/stream_history.hpp"

#include "redis/stream_entry.hpp"

#include <algorithm>
#include <hiredis/hiredis.h>
#include <string>

namespace ssehub::redis {

StreamHistory::~StreamHistory() {
    for (Page* p : waiting_)
        delete p;
}

sse::HistoryRequest* StreamHistory::fetch(sse::Subscriber* s, const sse::EventId& from,
                                          bool first) {
    // Requests of subscribers that left while Redis was down need not wait any longer.
    std::erase_if(waiting_, [](Page* p) {
        if (p->subscriber) return false;
        delete p;
        return true;
    });
    auto* p = new Page(*this, s, from, first);
    if (link_.up())
        send(p);
    else
        waiting_.push_back(p);
    return p;
}

void StreamHistory::on_link_up() {
    std::vector<Page*> pages;
    pages.swap(waiting_);
    for (Page* p : pages) {
        if (p->subscriber)
            send(p);
        else
            delete p;
    }
}

void StreamHistory::send(Page* p) {
    Connection& c = link_.commands();
    std::string count = std::to_string(options_.page_events);
    p->failed = false;
    p->replies_due = 0;
    p->store_first.reset();
    if (p->first) {
        p->replies_due += c.command(*p, {"XRANGE", options_.stream, "-", "+", "COUNT", "1"});
        std::string from = p->from.to_string();
        p->replies_due += c.command(*p, {"XRANGE", options_.stream, from, "+", "COUNT", count});
    } else {
        std::string after = "("; // appended apart: GCC 12 -O3 misreads "(" + std::string
        after += p->from.to_string();
        p->replies_due += c.command(*p, {"XRANGE", options_.stream, after, "+", "COUNT", count});
    }
    if (p->replies_due != (p->first ? 2 : 1)) p->failed = true;
    if (p->replies_due == 0) waiting_.push_back(p); // the connection is going; next time
}

void StreamHistory::Page::on_reply(redisReply* reply) {
    --replies_due;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        if (reply) // the link is up but Redis answers nonsense: start over
            history.link_.fail("XRANGE " + history.options_.stream + " failed: " +
                               (reply->type == REDIS_REPLY_ERROR
                                    ? std::string(reply->str, reply->len)
                                    : std::string("unexpected reply")));
        failed = true;
    } else if (first && replies_due == 1) {
        // The stream's oldest entry: tells a trimmed resume id from one never handed out.
        if (reply->elements > 0 && reply->element[0]->type == REDIS_REPLY_ARRAY &&
            reply->element[0]->elements == 2 &&
            reply->element[0]->element[0]->type == REDIS_REPLY_STRING) {
            const redisReply* id = reply->element[0]->element[0];
            store_first = sse::EventId::parse(std::string_view(id->str, id->len));
        }
        return;
    } else if (!failed && subscriber) {
        history.deliver(*this, reply);
    }
    if (replies_due > 0) return;
    if (failed && subscriber)
        history.waiting_.push_back(this); // sent again once the link is up
    else
        delete this;
}

void StreamHistory::deliver(Page& p, const redisReply* entries) {
    ++metrics_.history_pages;
    sse::HistoryPage page;
    page.end = entries->elements < options_.page_events;
    page.store_first = p.store_first;
    page.entries.reserve(entries->elements);
    for (size_t i = 0; i < entries->elements; ++i) {
        sse::Event e;
        std::string why;
        Decoded d = decode_entry(entries->element[i], options_.max_event_bytes, e, why);
        if (d == Decoded::Malformed) continue;
        page.entries.push_back(sse::HistoryEntry{e, d == Decoded::Event});
    }
    hub_.on_history_page(p, page, uv_now(loop_));
}

} // namespace ssehub::redis
