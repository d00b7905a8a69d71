package io.livepeer.clearinghouse.routes.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livepeer.clearinghouse.routes.reconcile.DriftReport.Drift;
import io.livepeer.clearinghouse.routes.reconcile.DriftReport.Measure;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The comparison rule: exact differences, the tolerance on amounts only, and the three kinds of drift. */
class DriftReportTest {

    static final Tolerance ONE_MICRO = Tolerance.parse(List.of("1"));

    static DriftReport.Comparison compare(Measure measure, String ours, String theirs, Tolerance tolerance) {
        return DriftReport.compare(measure, "m", new BigDecimal(ours), new BigDecimal(theirs), tolerance);
    }

    @Test
    void amounts_within_the_tolerance_are_in_sync_and_the_difference_stays_exact() {
        DriftReport.Comparison c =
                compare(Measure.NETWORK_USD_MICROS, "3000000.123456789012", "3000000.1234567891", ONE_MICRO);
        assertThat(c.drift()).isEqualTo(Drift.IN_SYNC);
        assertThat(c.difference()).isEqualByComparingTo("0.000000000088");
        assertThat(compare(Measure.NETWORK_USD_MICROS, "10", "11.000000000001", ONE_MICRO)
                        .drift())
                .isEqualTo(Drift.EXTRA);
    }

    @Test
    void counts_are_exact_whatever_the_tolerance() {
        assertThat(compare(Measure.EVENTS, "100", "99", Tolerance.parse(List.of("1000", "50%")))
                        .drift())
                .isEqualTo(Drift.MISSING);
    }

    @Test
    void whole_multiples_are_double_counted_with_their_factor_anything_else_more_is_extra() {
        DriftReport.Comparison twice = compare(Measure.BILLABLE_USD_MICROS, "1150000", "2300000.4", ONE_MICRO);
        assertThat(twice.drift()).isEqualTo(Drift.DOUBLE_COUNTED);
        assertThat(twice.factor()).isEqualTo(2);
        assertThat(compare(Measure.EVENTS, "3", "9", ONE_MICRO).factor()).isEqualTo(3);
        assertThat(compare(Measure.EVENTS, "3", "4", ONE_MICRO).drift()).isEqualTo(Drift.EXTRA);
        assertThat(compare(Measure.EVENTS, "2", "5", ONE_MICRO).drift()).isEqualTo(Drift.EXTRA);
        assertThat(compare(Measure.EVENTS, "0", "5", ONE_MICRO).drift()).isEqualTo(Drift.EXTRA);
        assertThat(compare(Measure.EVENTS, "5", "0", ONE_MICRO).drift()).isEqualTo(Drift.MISSING);
    }

    @Test
    void tolerances_read_amounts_and_percentages() {
        assertThat(Tolerance.parse(List.of("0.5%")).allowed(new BigDecimal("1000")))
                .isEqualByComparingTo("5");
        assertThatThrownBy(() -> Tolerance.parse(List.of("-1"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tolerance.parse(List.of("1e"))).hasMessageContaining("'1e'");
    }

    @Test
    void a_period_must_be_whole_seconds_and_not_empty() {
        java.time.Instant t = java.time.Instant.parse("2026-08-20T00:00:00Z");
        assertThatThrownBy(() -> OpenMeterReconciliation.requireWholeSecondPeriod(t, t))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OpenMeterReconciliation.requireWholeSecondPeriod(t, t.plusMillis(1500)))
                .hasMessageContaining("whole seconds");
    }

    @Test
    void a_listing_proves_extra_over_double_counted_and_only_when_complete() {
        DriftReport.Duplicate twice = new DriftReport.Duplicate("a2", 2, null);
        DriftReport.Duplicate copy = new DriftReport.Duplicate("x", 1, "a3");
        assertThat(twice.surplus()).isEqualTo(1);
        assertThat(copy.surplus()).isEqualTo(1);
        DriftReport.Listing dup =
                new DriftReport.Listing(DriftReport.ListingStatus.LISTED, 3, List.of(twice), List.of(), List.of(), "n");
        DriftReport.Listing both = new DriftReport.Listing(
                DriftReport.ListingStatus.LISTED,
                4,
                List.of(twice),
                List.of(new DriftReport.Extra("z", 1)),
                List.of(),
                "n");
        assertThat(dup.proves()).isEqualTo(Drift.DOUBLE_COUNTED);
        assertThat(both.proves()).isEqualTo(Drift.EXTRA);
        assertThat(DriftReport.Listing.notConclusive(DriftReport.ListingStatus.TRUNCATED, 100, "n")
                        .proves())
                .isNull();

        List<DriftReport.Comparison> comparisons = List.of(
                compare(Measure.EVENTS, "2", "4", ONE_MICRO), compare(Measure.NETWORK_USD_MICROS, "5", "5", ONE_MICRO));
        assertThat(DriftReport.reclassify(comparisons, Drift.EXTRA))
                .extracting(DriftReport.Comparison::drift, DriftReport.Comparison::factor)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Drift.EXTRA, null),
                        org.assertj.core.groups.Tuple.tuple(Drift.IN_SYNC, null));
        assertThat(DriftReport.reclassify(comparisons, Drift.DOUBLE_COUNTED)
                        .get(0)
                        .factor())
                .isEqualTo(2);
        assertThat(DriftReport.reclassify(comparisons, null)).isSameAs(comparisons);
    }
}
