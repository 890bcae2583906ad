/*
 * pacta-desk: entry point.  Everything lives in PactaApplication
 * (src/ui/pacta-application.c); this only runs it.
 */
#include <adwaita.h>

#include "pacta-application.h"
#include "pacta-bench.h"

int main(int argc, char **argv)
{
    g_autoptr(PactaApplication) app = pacta_application_new();
    g_set_application_name("Pacta Desk");
    pacta_bench_attach(app); /* only with PACTA_DESK_BENCH set */
    return g_application_run(G_APPLICATION(app), argc, argv);
}
