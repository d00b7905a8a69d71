package io.livepeer.clearinghouse.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The module directions of DESIGN.md §2 and docs/architecture.md, checked on the compiled classes of every module
 * ({@code cli} depends on all of them, so its test classpath holds them all): {@code cli → routes → (signer-bridge,
 * ledger, openmeter, processors)}, {@code metering-bootstrap → openmeter}, nothing depends on {@code cli}, the pure
 * modules stay pure, and only {@code ledger} talks SQL.
 */
@AnalyzeClasses(packages = "io.livepeer.clearinghouse", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleArchitectureTest {

    static final String BASE = "io.livepeer.clearinghouse";
    static final String CLI = BASE + ".cli..";
    static final String ROUTES = BASE + ".routes..";
    static final String LEDGER = BASE + ".ledger..";
    static final String BRIDGE = BASE + ".bridge..";
    static final String BOOTSTRAP = BASE + ".bootstrap..";
    static final String OPENMETER = BASE + ".openmeter..";
    static final String PROCESSORS = BASE + ".processors..";
    static final String TESTING = BASE + ".testing..";

    @ArchTest
    static final ArchRule nothing_depends_on_the_cli = noClasses()
            .that()
            .resideOutsideOfPackage(CLI)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(CLI)
            .because("the launcher, its commands and the embedded broker sit on top of everything");

    @ArchTest
    static final ArchRule processors_depend_on_no_module_of_ours = noClasses()
            .that()
            .resideInAPackage(PROCESSORS)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CLI, ROUTES, LEDGER, BRIDGE, BOOTSTRAP, OPENMETER)
            .because("processors is the pure domain: no I/O, no module of ours");

    @ArchTest
    static final ArchRule openmeter_depends_on_no_module_of_ours = noClasses()
            .that()
            .resideInAPackage(OPENMETER)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CLI, ROUTES, LEDGER, BRIDGE, BOOTSTRAP, PROCESSORS)
            .because("the OpenMeter client is shared by delivery and the bootstrap and knows neither");

    @ArchTest
    static final ArchRule libraries_do_not_depend_on_the_application = noClasses()
            .that()
            .resideInAnyPackage(LEDGER, BRIDGE, BOOTSTRAP, OPENMETER, PROCESSORS)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(ROUTES)
            .because("routes composes the libraries, never the other way round");

    @ArchTest
    static final ArchRule the_database_does_not_know_its_callers = noClasses()
            .that()
            .resideInAPackage(LEDGER)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(BRIDGE, BOOTSTRAP, OPENMETER)
            .because("ledger owns the database and is used by the bridge and the bootstrap");

    @ArchTest
    static final ArchRule only_the_ledger_talks_sql = noClasses()
            .that()
            .resideOutsideOfPackages(LEDGER, TESTING)
            .should()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.sql.Connection")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.sql.PreparedStatement")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.sql.Statement")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("java.sql.ResultSet")
            .orShould()
            .dependOnClassesThat()
            .haveFullyQualifiedName("javax.sql.DataSource")
            .orShould()
            .dependOnClassesThat()
            .resideInAPackage("org.jdbi..")
            .because("SQL lives in the ledger module, next to its one migration folder");

    @ArchTest
    static void every_module_was_imported(JavaClasses classes) {
        // an empty import would make every rule above pass vacuously
        for (String pkg : new String[] {CLI, ROUTES, LEDGER, BRIDGE, BOOTSTRAP, OPENMETER, PROCESSORS}) {
            String prefix = pkg.substring(0, pkg.length() - 2);
            if (classes.stream().noneMatch(c -> c.getPackageName().startsWith(prefix))) {
                throw new AssertionError("no classes imported from " + prefix);
            }
        }
    }
}
