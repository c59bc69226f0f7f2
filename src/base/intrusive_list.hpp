// A doubly linked list threaded through its elements' own prev/next pointers: no allocation,
// O(1) push_back and remove: the heartbeat order of subscribers, HTTP/2 streams by state, and
// the HTTP/1.1 connections by what they wait for. The list owns nothing; an element is on at most
// one list per pair of pointers, and must be removed before it dies.
#pragma once

#include <cstddef>

namespace ssehub::base {

template <class T, T* T::*Prev, T* T::*Next> struct IntrusiveList {
    T* head = nullptr;
    T* tail = nullptr;
    size_t size = 0;

    void push_back(T* x) {
        x->*Prev = tail;
        x->*Next = nullptr;
        if (tail)
            tail->*Next = x;
        else
            head = x;
        tail = x;
        ++size;
    }

    void remove(T* x) {
        if (x->*Prev)
            (x->*Prev)->*Next = x->*Next;
        else
            head = x->*Next;
        if (x->*Next)
            (x->*Next)->*Prev = x->*Prev;
        else
            tail = x->*Prev;
        x->*Prev = x->*Next = nullptr;
        --size;
    }
};

} // namespace ssehub::base
