// seal.cpp — the one SimGrid call dsgd needs that the C API lacks.
//
// Before the run, SimGrid 3.32 computes routes only in a sealed platform:
// a route lookup in an unsealed Dijkstra zone (the multi-GPU platforms of
// platforms/gen) aborts.  dsgd looks routes up before the run (the flow
// model's checks, --coll-model auto), so it seals the platform as soon as
// it is loaded; the run does not seal it twice.
#include <simgrid/s4u/Engine.hpp>

extern "C" void dsgd_sim_seal_platform(void)
{
    simgrid::s4u::Engine::get_instance()->seal_platform();
}
