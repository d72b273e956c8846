/* test_exec_conformance — comm_conformance on the MPI backend.
 * usage: mpirun -np 4 test_exec_conformance */
#include <mpi.h>
#include <stdio.h>

#include "exec/exec.h"
#include "tests/comm_conformance.h"

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    dsgd_comm *c = dsgd_exec_comm_create(0, 1, NULL);
    dsgd_result result = {0};
    int status = c ? dsgd_conformance_program(c, NULL, &result) : 97, worst = status;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (c && dsgd_rank(c) == 0)
        printf("exec conformance on %d ranks: %s\n", dsgd_size(c), worst ? "FAIL" : "ok");
    dsgd_exec_comm_destroy(c);
    MPI_Finalize();
    return worst != 0;
}
