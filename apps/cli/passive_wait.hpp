// OpenMP threads wait passively unless the user says otherwise (passive_wait.cpp says why).
#pragma once

namespace deepimage::cli {

// Sets OMP_WAIT_POLICY=PASSIVE unless it is set. Call first in main(), before any engine loads.
void wait_passively_unless_told();

}  // namespace deepimage::cli
