// torch.distributed (c10d) process groups: a TCPStore rendezvous (rank 0 serves it) and the Gloo backend.
//
// Every collective is launched on libtorch's ProcessGroupGloo and waited for with the group's timeout, which is
// also Gloo's own per-operation timeout, so a peer that hangs or dies surfaces as an error here (never a hang).
// Errors name the rank and the operation ("rank 1: allreduce timed out after 5 s (...)"). A failure inside a
// collective (timeout, closed connection) leaves the peers out of step, so the group remembers it and refuses
// further collectives with that first error; argument errors (checked before anything is sent) do not.
#include "shim_common.h"
#include <chrono>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

#if defined(ARB_NO_GLOO)
#define ARB_HAVE_GLOO 0
#elif __has_include(<gloo/config.h>) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>)
#define ARB_HAVE_GLOO 1
// libtorch's c10d headers declare the Gloo backend only under this macro (the build defines it; scripts that
// compile the sources by hand may not).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#include <c10/core/GradMode.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#else
#define ARB_HAVE_GLOO 0
#endif

using namespace arb;

namespace {

#if ARB_HAVE_GLOO

std::string first_line(std::string s) {
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s.empty() ? std::string("no message") : s;
}

std::string seconds(std::chrono::milliseconds ms) {
  std::ostringstream os;
  if (ms.count() % 1000 == 0)
    os << ms.count() / 1000;
  else
    os << static_cast<double>(ms.count()) / 1000.0;
  os << " s";
  return os.str();
}

bool mentions_timeout(const std::string& detail) {
  std::string low(detail);
  for (auto& c : low) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return low.find("timed out") != std::string::npos || low.find("timeout") != std::string::npos;
}

// "rank R: OP timed out after T s (detail)" or "rank R: OP failed: detail".
std::string describe(int rank, const std::string& op, std::chrono::milliseconds timeout, const std::string& detail) {
  std::string d = first_line(detail);
  std::string head = "rank " + std::to_string(rank) + ": " + op;
  if (mentions_timeout(d)) return head + " timed out after " + seconds(timeout) + " (" + d + ")";
  return head + " failed: " + d;
}

struct Group {
  int rank = 0, size = 0;
  std::chrono::milliseconds timeout{0};
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
  std::mutex mu;
  std::string broken;  // the first failure inside a collective; empty while the group is usable
};

Group& G(arb_pg h) {
  if (!h) throw std::invalid_argument("null process group handle");
  return *static_cast<Group*>(h);
}

// Launches one collective and waits for it. launch() throwing means nothing was sent (bad arguments): the group
// stays usable. A failure while waiting (timeout, a peer gone) breaks the group.
template <class Launch>
void run(Group& g, const std::string& op, Launch&& launch) {
  {
    std::lock_guard<std::mutex> lock(g.mu);
    if (!g.broken.empty())
      throw std::runtime_error("rank " + std::to_string(g.rank) + ": " + op.substr(0, op.find(" (")) +
                               " refused: the process group failed earlier (" + g.broken +
                               "); destroy it and create a new one");
  }
  c10::intrusive_ptr<c10d::Work> work;
  try {
    work = launch();
  } catch (const c10::Error& e) {
    throw std::runtime_error("rank " + std::to_string(g.rank) + ": " + op + ": " + first_line(e.what_without_backtrace()));
  }
  std::string detail;
  try {
    work->wait(g.timeout);
    return;
  } catch (const c10::Error& e) {
    detail = e.what_without_backtrace();
  } catch (const std::exception& e) {
    detail = e.what();
  } catch (...) {
    detail = "unknown C++ exception";
  }
  std::string msg = describe(g.rank, op, g.timeout, detail);
  {
    std::lock_guard<std::mutex> lock(g.mu);
    if (g.broken.empty()) g.broken = msg;
  }
  throw std::runtime_error(msg);
}

// Every rank announces itself in the store and polls until all have (until the deadline). TCPStore's own wait for
// workers gives up silently, and Gloo's rendezvous would then fail with a bare "Socket Timeout" a timeout later.
struct Described : std::runtime_error {  // a message that already names the rank and the operation
  using std::runtime_error::runtime_error;
};

void join(Group& g, std::chrono::steady_clock::time_point deadline, const std::string& where) {
  auto key = [](int r) { return "arbor/joined/" + std::to_string(r); };
  g.store->set(key(g.rank), std::vector<uint8_t>{1});
  std::vector<int> missing;
  while (true) {
    missing.clear();
    for (int r = 0; r < g.size; ++r)
      if (!g.store->check({key(r)})) missing.push_back(r);
    if (missing.empty()) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string who;
  for (size_t i = 0; i < missing.size(); ++i) who += (i ? ", " : "") + std::to_string(missing[i]);
  throw Described("rank " + std::to_string(g.rank) + ": process group init timed out after " +
                           seconds(g.timeout) + " waiting for rank" + (missing.size() > 1 ? "s " : " ") + who + " (" +
                           std::to_string(g.size - static_cast<int>(missing.size())) + " of " + std::to_string(g.size) +
                           " joined at " + where + ")");
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// The interface Gloo's pairs use: GLOO_SOCKET_IFNAME as torch.distributed reads it; loopback when the master is
// on loopback (one machine); else the address this host's name resolves to.
std::shared_ptr<::gloo::transport::Device> make_device(const std::string& master) {
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  if (ifname && *ifname) {
    std::string first(ifname);
    auto comma = first.find(',');
    if (comma != std::string::npos) first.resize(comma);
    return c10d::ProcessGroupGloo::createDeviceForInterface(first);
  }
  if (is_loopback(master)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// In-place collectives need a dense tensor; a non-contiguous one goes through a contiguous copy.
struct Dense {
  at::Tensor& user;
  at::Tensor work;
  explicit Dense(at::Tensor& t) : user(t), work(t.is_contiguous() ? t : t.contiguous()) {}
  void write_back() {
    if (!work.is_same(user)) {
      c10::NoGradGuard ng;
      user.copy_(work);
    }
  }
};

std::vector<at::Tensor> allgather_list(Group& g, const std::string& op, const at::Tensor& input) {
  std::vector<at::Tensor> in{input.contiguous()};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < g.size; ++r) out[0].push_back(at::empty_like(in[0]));
  run(g, op, [&] {
    c10d::AllgatherOptions o;
    o.timeout = g.timeout;
    return g.pg->allgather(out, in, o);
  });
  return std::move(out[0]);
}

#endif  // ARB_HAVE_GLOO

#if !ARB_HAVE_GLOO
[[noreturn]] void no_backend(const std::string& what) {
  throw std::runtime_error(what + ": this shim was built without torch.distributed's Gloo backend (needs libtorch's "
                                  "c10d headers and libgloo-dev)");
}
#endif

}  // namespace

extern "C" {

int32_t arb_pg_backends(char* buf, int32_t cap) {
#if ARB_HAVE_GLOO
  return copy_string("gloo", buf, cap);
#else
  return copy_string("", buf, cap);
#endif
}

arb_pg arb_pg_new(const char* backend, int32_t rank, int32_t world_size, const char* master_addr, int32_t master_port,
                  int64_t timeout_ms) {
  ARB_GUARD_BEGIN
  std::string b = backend ? backend : "gloo";
  std::string head = "rank " + std::to_string(rank) + ": process group init";
  if (world_size < 1) throw std::invalid_argument(head + ": world size " + std::to_string(world_size) + " (needs >= 1)");
  if (rank < 0 || rank >= world_size)
    throw std::invalid_argument(head + ": rank out of range for world size " + std::to_string(world_size));
  if (master_port < 1 || master_port > 65535)
    throw std::invalid_argument(head + ": master port " + std::to_string(master_port) + " (needs 1-65535)");
  if (!master_addr || !*master_addr) throw std::invalid_argument(head + ": empty master address");
  if (timeout_ms <= 0) throw std::invalid_argument(head + ": timeout must be positive");
  if (b == "nccl")
    throw std::invalid_argument(head + ": backend nccl: this shim was built without NCCL (it needs a CUDA libtorch "
                                       "with NCCL); use gloo");
  if (b != "gloo") throw std::invalid_argument(head + ": unknown backend '" + b + "' (gloo)");
#if ARB_HAVE_GLOO
  auto timeout = std::chrono::milliseconds(timeout_ms);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string where = std::string(master_addr) + ":" + std::to_string(master_port);
  auto g = std::make_unique<Group>();
  g->rank = rank;
  g->size = world_size;
  g->timeout = timeout;
  std::string stage = "store";
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(master_port);
    so.isServer = rank == 0;
    so.numWorkers = static_cast<std::size_t>(world_size);
    so.waitWorkers = false;  // the rendezvous below waits instead, and says who is missing
    so.timeout = timeout;
    g->store = c10::make_intrusive<c10d::TCPStore>(std::string(master_addr), so);
    stage = "rendezvous";
    join(*g, deadline, where);
    stage = "gloo";
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    opts->devices.push_back(make_device(master_addr));
    opts->threads = 2;
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, rank, world_size, opts);
  } catch (const Described&) {
    throw;
  } catch (const c10::Error& e) {
    throw std::runtime_error(describe(rank, "process group init (" + stage + " at " + where + ", world size " +
                                                std::to_string(world_size) + ")",
                                      timeout, e.what_without_backtrace()));
  } catch (const std::exception& e) {
    throw std::runtime_error(describe(rank, "process group init (" + stage + " at " + where + ", world size " +
                                                std::to_string(world_size) + ")",
                                      timeout, e.what()));
  }
  return g.release();
#else
  no_backend(head);
#endif
  ARB_GUARD_END(nullptr)
}

void arb_pg_free(arb_pg h) {
#if ARB_HAVE_GLOO
  try {
    delete static_cast<Group*>(h);
  } catch (...) {
  }
#endif
}

int32_t arb_pg_allreduce(arb_pg h, arb_tensor t, int32_t op) {
  ARB_GUARD_BEGIN
#if ARB_HAVE_GLOO
  auto& g = G(h);
  auto& x = T(t);
  if (op != 0 && op != 1)
    throw std::invalid_argument("rank " + std::to_string(g.rank) + ": allreduce: unknown reduce op " + std::to_string(op));
  if (op == 1 && !at::isFloatingType(x.scalar_type()))
    throw std::invalid_argument("rank " + std::to_string(g.rank) + ": allreduce mean needs a floating-point tensor, got " +
                                std::string(c10::toString(x.scalar_type())));
  Dense d(x);
  std::vector<at::Tensor> ts{d.work};
  run(g, "allreduce", [&] {
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    o.timeout = g.timeout;
    return g.pg->allreduce(ts, o);
  });
  if (op == 1) {
    c10::NoGradGuard ng;
    d.work.div_(static_cast<double>(g.size));
  }
  d.write_back();
  return 0;
#else
  no_backend("allreduce");
#endif
  ARB_GUARD_END(-1)
}

int32_t arb_pg_broadcast(arb_pg h, arb_tensor t, int32_t root) {
  ARB_GUARD_BEGIN
#if ARB_HAVE_GLOO
  auto& g = G(h);
  if (root < 0 || root >= g.size)
    throw std::invalid_argument("rank " + std::to_string(g.rank) + ": broadcast: root " + std::to_string(root) +
                                " out of range for world size " + std::to_string(g.size));
  Dense d(T(t));
  std::vector<at::Tensor> ts{d.work};
  run(g, "broadcast from rank " + std::to_string(root), [&] {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    o.rootTensor = 0;
    o.timeout = g.timeout;
    return g.pg->broadcast(ts, o);
  });
  d.write_back();
  return 0;
#else
  no_backend("broadcast");
#endif
  ARB_GUARD_END(-1)
}

int32_t arb_pg_allgather(arb_pg h, arb_tensor t, arb_tensor* out, int32_t cap) {
  ARB_GUARD_BEGIN
#if ARB_HAVE_GLOO
  auto& g = G(h);
  if (cap < g.size)
    throw std::invalid_argument("rank " + std::to_string(g.rank) + ": allgather: room for " + std::to_string(cap) +
                                " tensors, world size " + std::to_string(g.size));
  std::vector<at::Tensor> all;
  {
    c10::NoGradGuard ng;
    all = allgather_list(g, "allgather", T(t).detach());
  }
  for (int r = 0; r < g.size; ++r) out[r] = wrap(std::move(all[r]));
  return g.size;
#else
  no_backend("allgather");
#endif
  ARB_GUARD_END(-1)
}

int32_t arb_pg_allgather_bytes(arb_pg h, const void* data, int64_t nbytes, int64_t* sizes, int32_t cap,
                               arb_tensor* out) {
  ARB_GUARD_BEGIN
#if ARB_HAVE_GLOO
  auto& g = G(h);
  std::string op = "allgather_bytes";
  if (cap < g.size)
    throw std::invalid_argument("rank " + std::to_string(g.rank) + ": " + op + ": room for " + std::to_string(cap) +
                                " sizes, world size " + std::to_string(g.size));
  if (nbytes < 0 || (nbytes > 0 && !data))
    throw std::invalid_argument("rank " + std::to_string(g.rank) + ": " + op + ": bad payload");
  c10::NoGradGuard ng;
  // 1. every rank's size; 2. every payload padded to the largest; 3. trimmed and concatenated.
  at::Tensor n = at::full({1}, nbytes, at::TensorOptions().dtype(at::kLong));
  std::vector<at::Tensor> all_n = allgather_list(g, op + " (sizes)", n);
  int64_t longest = 0, total = 0;
  for (int r = 0; r < g.size; ++r) {
    sizes[r] = all_n[r].item<int64_t>();
    if (sizes[r] < 0) throw std::runtime_error("rank " + std::to_string(g.rank) + ": " + op + ": rank " + std::to_string(r) + " sent a negative size");
    longest = std::max(longest, sizes[r]);
    total += sizes[r];
  }
  at::Tensor result = at::empty({total}, at::TensorOptions().dtype(at::kByte));
  if (longest > 0) {
    at::Tensor mine = at::zeros({longest}, at::TensorOptions().dtype(at::kByte));
    if (nbytes > 0) std::memcpy(mine.data_ptr(), data, static_cast<size_t>(nbytes));
    std::vector<at::Tensor> all = allgather_list(g, op, mine);
    auto* dst = static_cast<uint8_t*>(result.data_ptr());
    for (int r = 0; r < g.size; ++r) {
      if (sizes[r] > 0) std::memcpy(dst, all[r].data_ptr(), static_cast<size_t>(sizes[r]));
      dst += sizes[r];
    }
  }
  *out = wrap(std::move(result));
  return g.size;
#else
  no_backend("allgather_bytes");
#endif
  ARB_GUARD_END(-1)
}

int32_t arb_pg_barrier(arb_pg h) {
  ARB_GUARD_BEGIN
#if ARB_HAVE_GLOO
  auto& g = G(h);
  run(g, "barrier", [&] {
    c10d::BarrierOptions o;
    o.timeout = g.timeout;
    return g.pg->barrier(o);
  });
  return 0;
#else
  no_backend("barrier");
#endif
  ARB_GUARD_END(-1)
}

}  // extern "C"
