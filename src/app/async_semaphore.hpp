#pragma once
// Moved to the client layer (poller/async_semaphore.hpp); kept until poller.cpp includes that.
#include "poller/async_semaphore.hpp"
