package io.livepeer.clearinghouse.ledger.orchestrators;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.livepeer.clearinghouse.ledger.Database;
import io.livepeer.clearinghouse.ledger.Metadata;
import io.livepeer.clearinghouse.ledger.Rows;
import io.livepeer.clearinghouse.ledger.credit.Account;
import io.livepeer.clearinghouse.ledger.credit.AccountKeys;
import io.livepeer.clearinghouse.ledger.credit.Ledger;
import io.livepeer.clearinghouse.ledger.credit.LedgerException;
import io.livepeer.clearinghouse.ledger.credit.NewTransfer;
import io.livepeer.clearinghouse.ledger.credit.TransferKind;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Update;

/**
 * The orchestrator registry (table {@code orchestrators}, V11) and orchestrator earnings in the ledger. Rules of the
 * livepeer-ops backend ({@code payments/registry.py}): an address bound to another id, or a changed address, is
 * refused ({@link LedgerException.Conflict}, HTTP 409); registering an existing id with its own address again
 * updates the given fields and counts the registration.
 *
 * <p>Earnings: {@link #credit} posts an {@link TransferKind#EARNING} transfer of whole wei from
 * {@link AccountKeys#ORCHESTRATOR_EARNINGS} to {@code orchestrator:<id>} with the caller's idempotent transfer id
 * (posting the same id again returns the first transfer); nothing writes balances directly. The orchestrator's
 * account is opened at registration with "debits must not exceed credits", so a payout can never overdraw it.
 *
 * <p>Each method is its own transaction or joins the caller's ({@link Database}). Thread-safe.
 */
public final class OrchestratorStore {

    /** Orchestrator ids: what the backend's registry keys look like, safe inside an account key and a URL path. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final Pattern REASON = Pattern.compile("[a-z0-9_]{1,64}");
    private static final int MAX_SERVICES = 25;
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};

    private final Database database;
    private final Ledger ledger;
    private final Clock clock;

    /**
     * @param database the database
     * @param ledger   the ledger on the same database
     * @param clock    the clock
     */
    public OrchestratorStore(Database database, Ledger ledger, Clock clock) {
        this.database = database;
        this.ledger = ledger;
        this.clock = clock;
    }

    /** The database. */
    public Database database() {
        return database;
    }

    /** The ledger. */
    public Ledger ledger() {
        return ledger;
    }

    // ---- registry ------------------------------------------------------------------------------------------------

    /**
     * Registers an orchestrator, or registers an existing one again (same id, same address): the given non-null
     * fields replace the stored ones, {@code registration_count} grows, {@code last_seen} is now. Opens its earnings
     * account.
     *
     * @return the orchestrator and whether it is new
     * @throws LedgerException.Invalid  a malformed field (named)
     * @throws LedgerException.Conflict the address is bound to another id, or the id has another address
     */
    public Registered register(Registration r, String contactSource) throws SQLException {
        validate(r, true);
        Instant now = clock.instant();
        String addressKey = r.address().toLowerCase(Locale.ROOT);
        boolean created;
        try {
            created = database.inTransaction(h -> {
                Optional<String> owner = h.createQuery(
                                "SELECT orchestrator_id FROM orchestrators WHERE address_key = :a")
                        .bind("a", addressKey)
                        .mapTo(String.class)
                        .findOne();
                if (owner.isPresent() && !owner.get().equals(r.orchestratorId())) {
                    throw new LedgerException.Conflict(
                            "address",
                            "address " + r.address() + " is already registered to orchestrator " + owner.get());
                }
                Optional<Orchestrator> existing = find(h, r.orchestratorId());
                if (existing.isPresent()) {
                    checkSameAddress(existing.get(), r.address());
                    Update u = h.createUpdate("UPDATE orchestrators SET " + patchColumns()
                                    + " registration_count = registration_count + 1, last_seen = :now,"
                                    + " last_contact_source = :source, updated_at = :now"
                                    + " WHERE orchestrator_id = :id")
                            .bind("id", r.orchestratorId())
                            .bind("now", now)
                            .bind("source", contactSource);
                    bindPatch(u, r).execute();
                    return false;
                }
                h.createUpdate("INSERT INTO orchestrators (orchestrator_id, address, address_key, capability,"
                                + " contact_email, host_public_ip, host_name, health_url, health_timeout,"
                                + " monitored_services, min_service_uptime, metadata, first_seen, last_seen,"
                                + " last_contact_source, created_at, updated_at) VALUES (:id, :address, :address_key,"
                                + " :capability, :contact_email, :host_public_ip, :host_name, :health_url,"
                                + " :health_timeout, :monitored_services, :min_service_uptime, :metadata, :now, :now,"
                                + " :source, :now, :now)")
                        .bind("id", r.orchestratorId())
                        .bind("address", r.address())
                        .bind("address_key", addressKey)
                        .bind("capability", r.capability())
                        .bind("contact_email", r.contactEmail())
                        .bind("host_public_ip", r.hostPublicIp())
                        .bind("host_name", r.hostName())
                        .bind("health_url", r.healthUrl())
                        .bind("health_timeout", r.healthTimeout())
                        .bind("monitored_services", services(r.monitoredServices()))
                        .bind("min_service_uptime", r.minServiceUptime())
                        .bind("metadata", r.metadata())
                        .bind("now", now)
                        .bind("source", contactSource)
                        .execute();
                openAccount(r.orchestratorId());
                return true;
            });
        } catch (SQLException e) {
            if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("orchestrators_address_uq")) {
                throw new LedgerException.Conflict(
                        "address", "address " + r.address() + " is already registered to another orchestrator");
            }
            throw e;
        }
        return new Registered(find(r.orchestratorId()).orElseThrow(), created);
    }

    /**
     * Changes an orchestrator's fields: non-null fields of {@code patch} replace the stored ones ({@code patch}'s id
     * is ignored; its address, when given, must be the stored one).
     *
     * @throws LedgerException.NotFound unknown orchestrator
     * @throws LedgerException.Conflict a different address
     * @throws LedgerException.Invalid  a malformed field
     */
    public Orchestrator update(String orchestratorId, Registration patch) throws SQLException {
        validate(patch, false);
        database.inTransaction(h -> {
            Orchestrator existing = find(h, orchestratorId).orElseThrow(() -> notFound(orchestratorId));
            if (patch.address() != null) {
                checkSameAddress(existing, patch.address());
            }
            Update u = h.createUpdate("UPDATE orchestrators SET " + patchColumns()
                            + " updated_at = :now WHERE orchestrator_id = :id")
                    .bind("id", orchestratorId)
                    .bind("now", clock.instant());
            return bindPatch(u, patch).execute();
        });
        return find(orchestratorId).orElseThrow();
    }

    /**
     * Denylists an orchestrator (no eligibility, no credits) or lifts it.
     *
     * @throws LedgerException.NotFound unknown orchestrator
     */
    public Orchestrator setDenylisted(String orchestratorId, boolean denylisted, String reason) throws SQLException {
        if (reason != null && reason.length() > 500) {
            throw new LedgerException.Invalid("reason", "reason is longer than 500 characters");
        }
        int n = database.withHandle(h -> h.createUpdate("UPDATE orchestrators SET denylisted = :d, denylist_reason ="
                        + " :r, updated_at = :now WHERE orchestrator_id = :id")
                .bind("d", denylisted)
                .bind("r", denylisted ? reason : null)
                .bind("now", clock.instant())
                .bind("id", orchestratorId)
                .execute());
        if (n == 0) {
            throw notFound(orchestratorId);
        }
        return find(orchestratorId).orElseThrow();
    }

    /**
     * Records a contact (the backend's {@code record_contact}): {@code last_seen}, {@code last_contact_source} and,
     * when given, {@code last_seen_ip}. Unknown ids are ignored.
     */
    public void recordContact(String orchestratorId, String source, String ip) throws SQLException {
        Instant now = clock.instant();
        database.withHandle(h -> h.createUpdate("UPDATE orchestrators SET last_seen = :now, last_contact_source = :s,"
                        + " last_seen_ip = COALESCE(:ip, last_seen_ip) WHERE orchestrator_id = :id")
                .bind("now", now)
                .bind("s", source)
                .bind("ip", ip)
                .bind("id", orchestratorId)
                .execute());
    }

    /** The orchestrator with this id. */
    public Optional<Orchestrator> find(String orchestratorId) throws SQLException {
        return database.withHandle(h -> find(h, orchestratorId));
    }

    /**
     * The orchestrator with this id.
     *
     * @throws LedgerException.NotFound (field {@code orchestrator_id}) when there is none
     */
    public Orchestrator require(String orchestratorId) throws SQLException {
        return find(orchestratorId).orElseThrow(() -> notFound(orchestratorId));
    }

    /** The orchestrator with this payout address (any case). */
    public Optional<Orchestrator> findByAddress(String address) throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrators WHERE address_key = :a")
                .bind("a", address == null ? "" : address.toLowerCase(Locale.ROOT))
                .map(ROW)
                .findOne());
    }

    /** All orchestrators by id. */
    public List<Orchestrator> list() throws SQLException {
        return database.withHandle(h -> h.createQuery("SELECT * FROM orchestrators ORDER BY orchestrator_id")
                .map(ROW)
                .list());
    }

    // ---- earnings ------------------------------------------------------------------------------------------------

    /**
     * Credits an orchestrator's earnings: an {@link TransferKind#EARNING} transfer of {@code wei} from
     * {@link AccountKeys#ORCHESTRATOR_EARNINGS} to {@code orchestrator:<id>}, metadata {@code {reason, ...metadata}}.
     * Idempotent: the same {@code transferId} again returns the first transfer ({@code created=false}).
     *
     * @param orchestratorId a registered orchestrator
     * @param wei            whole wei, &gt; 0
     * @param transferId     unique and stable for what is credited (e.g. {@code session:<id>:<segment>}), ≤ 255
     * @param reason         {@code session_time}, {@code workload_time}, {@code power_time}, ... ({@code [a-z0-9_]})
     * @param metadata       extra keys (the backend's ledger metadata), may be null
     * @throws LedgerException.NotFound unknown orchestrator
     * @throws LedgerException.Invalid  amount not positive, bad reason or transfer id
     * @throws LedgerException.Conflict the transfer id was used for a different transfer
     */
    public Ledger.Posted credit(
            String orchestratorId, BigInteger wei, String transferId, String reason, Map<String, ?> metadata)
            throws SQLException {
        if (wei == null || wei.signum() <= 0) {
            throw new LedgerException.Invalid("amount_wei", "a credit must be a positive number of wei");
        }
        if (reason == null || !REASON.matcher(reason).matches()) {
            throw new LedgerException.Invalid("reason", "reason must be 1-64 characters of a-z, 0-9 and _");
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("reason", reason);
        meta.put("orchestrator_id", orchestratorId);
        if (metadata != null) {
            metadata.forEach((k, v) -> {
                if (!meta.containsKey(k)) {
                    meta.put(k, v);
                }
            });
        }
        return database.inTransaction(h -> {
            if (find(h, orchestratorId).isEmpty()) {
                throw notFound(orchestratorId);
            }
            return ledger.post(new NewTransfer(
                    transferId,
                    AccountKeys.ORCHESTRATOR_EARNINGS,
                    AccountKeys.orchestrator(orchestratorId),
                    new BigDecimal(wei),
                    TransferKind.EARNING,
                    null,
                    null,
                    Metadata.toJson(meta)));
        });
    }

    /** An orchestrator's balance in wei (credits − debits of {@code orchestrator:<id>}; 0 without an account). */
    public BigInteger balanceWei(String orchestratorId) throws SQLException {
        return ledger.account(AccountKeys.orchestrator(orchestratorId))
                .map(Account::balance)
                .map(BigDecimal::toBigIntegerExact)
                .orElse(BigInteger.ZERO);
    }

    // ---- internals -----------------------------------------------------------------------------------------------

    private void openAccount(String orchestratorId) throws SQLException {
        String key = AccountKeys.orchestrator(orchestratorId);
        if (ledger.account(key).isEmpty()) {
            ledger.open(key, true, Metadata.of("orchestrator_id", orchestratorId));
        }
    }

    private static Optional<Orchestrator> find(Handle h, String id) {
        return h.createQuery("SELECT * FROM orchestrators WHERE orchestrator_id = :id")
                .bind("id", id)
                .map(ROW)
                .findOne();
    }

    private static void checkSameAddress(Orchestrator existing, String address) {
        if (!existing.address().equalsIgnoreCase(address)) {
            throw new LedgerException.Conflict(
                    "address",
                    "orchestrator " + existing.orchestratorId() + " is registered with address " + existing.address()
                            + "; changing it is refused");
        }
    }

    private static String patchColumns() {
        return "capability = COALESCE(:capability, capability), contact_email = COALESCE(:contact_email,"
                + " contact_email), host_public_ip = COALESCE(:host_public_ip, host_public_ip), host_name ="
                + " COALESCE(:host_name, host_name), health_url = COALESCE(:health_url, health_url), health_timeout ="
                + " COALESCE(:health_timeout, health_timeout), monitored_services = COALESCE(:monitored_services,"
                + " monitored_services), min_service_uptime = COALESCE(:min_service_uptime, min_service_uptime),"
                + " metadata = COALESCE(:metadata, metadata),";
    }

    private static Update bindPatch(Update u, Registration r) {
        return u.bind("capability", r.capability())
                .bind("contact_email", r.contactEmail())
                .bind("host_public_ip", r.hostPublicIp())
                .bind("host_name", r.hostName())
                .bind("health_url", r.healthUrl())
                .bind("health_timeout", r.healthTimeout())
                .bind("monitored_services", services(r.monitoredServices()))
                .bind("min_service_uptime", r.minServiceUptime())
                .bind("metadata", r.metadata());
    }

    private static String services(List<String> services) {
        if (services == null) {
            return null;
        }
        try {
            return Metadata.JSON.writeValueAsString(services);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Field checks; the store's own guard (the API checks the same first, with EIP-55 on the address). */
    static void validate(Registration r, boolean registering) {
        if (registering) {
            if (r.orchestratorId() == null || !ID.matcher(r.orchestratorId()).matches()) {
                throw new LedgerException.Invalid(
                        "orchestrator_id", "orchestrator_id must be 1-128 characters of A-Z, a-z, 0-9 and . _ - : @");
            }
            if (r.address() == null) {
                throw new LedgerException.Invalid("address", "address is required");
            }
        }
        if (r.address() != null && !ADDRESS.matcher(r.address()).matches()) {
            throw new LedgerException.Invalid("address", "address must be 0x followed by 40 hex digits");
        }
        length("capability", r.capability(), 255);
        length("contact_email", r.contactEmail(), 320);
        length("host_public_ip", r.hostPublicIp(), 64);
        length("host_name", r.hostName(), 255);
        length("health_url", r.healthUrl(), 512);
        length("metadata", r.metadata(), 4000);
        if (r.healthUrl() != null && !r.healthUrl().matches("(?i)https?://\\S+")) {
            throw new LedgerException.Invalid("health_url", "health_url must be an http:// or https:// URL");
        }
        if (r.healthTimeout() != null
                && (r.healthTimeout().compareTo(new BigDecimal("0.1")) < 0
                        || r.healthTimeout().compareTo(BigDecimal.valueOf(60)) > 0)) {
            throw new LedgerException.Invalid("health_timeout", "health_timeout must be 0.1-60 seconds");
        }
        if (r.minServiceUptime() != null
                && (r.minServiceUptime().signum() < 0 || r.minServiceUptime().compareTo(BigDecimal.valueOf(100)) > 0)) {
            throw new LedgerException.Invalid("min_service_uptime", "min_service_uptime must be 0-100 (percent)");
        }
        if (r.monitoredServices() != null) {
            if (r.monitoredServices().size() > MAX_SERVICES) {
                throw new LedgerException.Invalid(
                        "monitored_services", "monitored_services lists at most " + MAX_SERVICES + " services");
            }
            for (String s : r.monitoredServices()) {
                if (s == null || s.isBlank() || s.length() > 128) {
                    throw new LedgerException.Invalid(
                            "monitored_services", "monitored_services entries must be 1-128 characters");
                }
            }
        }
    }

    private static void length(String field, String value, int max) {
        if (value != null && value.length() > max) {
            throw new LedgerException.Invalid(field, field + " is longer than " + max + " characters");
        }
    }

    private static LedgerException.NotFound notFound(String orchestratorId) {
        return new LedgerException.NotFound("orchestrator_id", "no orchestrator " + orchestratorId);
    }

    private static List<String> parseServices(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return Metadata.JSON.readValue(json, STRINGS);
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    static final RowMapper<Orchestrator> ROW = (rs, ctx) -> {
        Instant reported = Rows.instant(rs, "forwarder_health_reported_at");
        Instant healthAt = Rows.instant(rs, "last_health_at");
        return new Orchestrator(
                rs.getString("orchestrator_id"),
                rs.getString("address"),
                rs.getString("capability"),
                rs.getString("contact_email"),
                rs.getString("host_public_ip"),
                rs.getString("host_name"),
                rs.getString("last_seen_ip"),
                rs.getString("health_url"),
                rs.getBigDecimal("health_timeout"),
                parseServices(rs.getString("monitored_services")),
                rs.getBigDecimal("min_service_uptime"),
                rs.getBoolean("denylisted"),
                rs.getString("denylist_reason"),
                rs.getBoolean("eligible_for_payments"),
                rs.getInt("registration_count"),
                Rows.instant(rs, "first_seen"),
                Rows.instant(rs, "last_seen"),
                rs.getString("last_contact_source"),
                rs.getInt("consecutive_misses"),
                Rows.instant(rs, "cooldown_expires_at"),
                Rows.instant(rs, "last_missed_all_services"),
                Rows.instant(rs, "last_cooldown_started_at"),
                Rows.instant(rs, "last_cooldown_cleared_at"),
                Rows.instant(rs, "last_healthy_at"),
                reported == null
                        ? null
                        : new Orchestrator.ForwarderHealth(
                                rs.getString("forwarder_health_source"),
                                reported,
                                rs.getString("forwarder_health_data")),
                healthAt == null
                        ? null
                        : new Orchestrator.LastHealth(
                                healthAt,
                                rs.getString("last_health_source"),
                                rs.getBoolean("last_health_up"),
                                rs.getString("last_health_summary")),
                rs.getString("last_session_upstream_addr"),
                Rows.instant(rs, "last_session_seen_at"),
                rs.getString("last_session_edge_id"),
                rs.getString("metadata"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "updated_at"));
    };

    /**
     * A registration's result.
     *
     * @param orchestrator the stored orchestrator
     * @param created      whether it is new
     */
    public record Registered(Orchestrator orchestrator, boolean created) {}
}
