package io.livepeer.clearinghouse.routes;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import java.util.Arrays;
import java.util.List;

/**
 * The shape of {@code routes} (docs/architecture.md): one package per flow, flows never import each other, and the
 * shared packages ({@code core}, {@code http}) never import a flow or the composition root. Only the root package
 * ({@link ClearinghouseConfiguration}, {@link Clearinghouse}) knows every flow; no flow knows the root.
 */
@AnalyzeClasses(packages = "io.livepeer.clearinghouse.routes", importOptions = ImportOption.DoNotIncludeTests.class)
class FlowArchitectureTest {

    static final String ROOT = "io.livepeer.clearinghouse.routes";
    static final List<String> FLOWS = List.of(
            "metering",
            "price",
            "delivery",
            "usage",
            "ledger",
            "bridge",
            "retention",
            "reconcile",
            "orchestrators",
            "spend",
            "payouts",
            "escrow");

    @ArchTest
    static void flows_do_not_import_each_other_or_the_composition_root(JavaClasses classes) {
        for (String flow : FLOWS) {
            String[] others = FLOWS.stream()
                    .filter(f -> !f.equals(flow))
                    .map(f -> ROOT + "." + f + "..")
                    .toArray(String[]::new);
            noClasses()
                    .that()
                    .resideInAPackage(ROOT + "." + flow + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(others)
                    .orShould()
                    .dependOnClassesThat()
                    .resideInAPackage(ROOT)
                    .because("flow '" + flow + "' must find other flows' services by type in the registry")
                    .check(classes);
        }
    }

    @ArchTest
    static void shared_packages_do_not_import_flows(JavaClasses classes) {
        String[] flowsAndRoot =
                concat(FLOWS.stream().map(f -> ROOT + "." + f + "..").toArray(String[]::new), ROOT);
        noClasses()
                .that()
                .resideInAnyPackage(ROOT + ".core..", ROOT + ".http..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(flowsAndRoot)
                .because("core and http are shared by every flow")
                .check(classes);
        noClasses()
                .that()
                .resideInAPackage(ROOT + ".core..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(ROOT + ".http..")
                .check(classes);
    }

    @ArchTest
    static void every_flow_package_exists(JavaClasses classes) {
        // a renamed flow package would silently escape the rules above
        for (String flow : FLOWS) {
            if (classes.stream().noneMatch(c -> c.getPackageName().equals(ROOT + "." + flow))) {
                throw new AssertionError("no classes in " + ROOT + "." + flow);
            }
        }
    }

    private static String[] concat(String[] a, String b) {
        String[] all = Arrays.copyOf(a, a.length + 1);
        all[a.length] = b;
        return all;
    }
}
