package io.livepeer.clearinghouse.cli.bootstrap;

import io.livepeer.clearinghouse.bootstrap.Reconciler;
import io.livepeer.clearinghouse.bootstrap.Reconciler.Action;
import java.io.PrintWriter;

/** Prints a reconciliation report as aligned lines with their details. */
final class Reports {

    private Reports() {}

    static void print(PrintWriter out, Reconciler.Report report, boolean applied) {
        for (Reconciler.Change c : report.changes()) {
            out.printf("%-12s %-8s %s%n", label(c.action()), c.kind().name().toLowerCase(), c.key());
            for (String d : c.details()) {
                out.println("                      " + d);
            }
        }
        out.println();
        out.printf(
                applied
                        ? "Applied: %d created, %d updated, %d pruned, %d unchanged, %d conflict%s%s.%n"
                        : "Plan: %d to create, %d to update, %d to prune, %d unchanged, %d conflict%s%s.%n",
                report.count(Action.CREATE),
                report.count(Action.UPDATE),
                report.count(Action.PRUNE),
                report.count(Action.KEEP),
                report.count(Action.CONFLICT),
                report.count(Action.CONFLICT) == 1 ? "" : "s",
                report.count(Action.WOULD_PRUNE) == 0
                        ? ""
                        : ", " + report.count(Action.WOULD_PRUNE) + " managed object(s) no longer in the catalog "
                                + "(--prune removes them)");
        if (applied) {
            out.printf("%d write request%s made.%n", report.writes(), report.writes() == 1 ? "" : "s");
        } else if (!report.pending() && !report.conflicts()) {
            out.println("OpenMeter matches the catalog.");
        } else if (report.pending()) {
            out.println("Run `./clearinghouse bootstrap apply` to make these changes.");
        }
        if (report.conflicts()) {
            out.println("Conflicts are not forced: change the catalog, or fix the object in OpenMeter by hand.");
        }
    }

    private static String label(Action action) {
        return switch (action) {
            case CREATE -> "+ create";
            case UPDATE -> "~ update";
            case KEEP -> "  keep";
            case PRUNE -> "- prune";
            case WOULD_PRUNE -> "  (prune?)";
            case CONFLICT -> "! conflict";
        };
    }
}
