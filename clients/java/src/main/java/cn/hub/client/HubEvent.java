package cn.hub.client;

import com.google.gson.JsonObject;
import java.util.UUID;

/**
 * One event as an agency publishes it (see schemas/events for each type's data). Give the id
 * your own system keeps for the record: sending the same event again is then always safe.
 *
 * @param id a UUID; keep it with your record
 * @param type the event type, e.g. InspectionConducted
 * @param schemaVersion the version of the type's data schema
 * @param reportingUnit the six-digit division code, e.g. 310105
 * @param occurredAt when it happened, with an offset, e.g. 2024-06-20T10:00:00+08:00
 * @param officerId who did it inside the agency
 * @param data the event's data, as its JSON Schema says
 */
public record HubEvent(
    String id,
    String type,
    int schemaVersion,
    String reportingUnit,
    String occurredAt,
    String officerId,
    JsonObject data) {

  /** An event with a fresh id (keep {@link #id()} if you may send it again later). */
  public static HubEvent of(
      String type,
      int schemaVersion,
      String reportingUnit,
      String occurredAt,
      String officerId,
      JsonObject data) {
    return new HubEvent(
        UUID.randomUUID().toString(),
        type,
        schemaVersion,
        reportingUnit,
        occurredAt,
        officerId,
        data);
  }

  JsonObject toJson() {
    JsonObject envelope = new JsonObject();
    envelope.addProperty("id", id);
    envelope.addProperty("type", type);
    envelope.addProperty("schemaVersion", schemaVersion);
    envelope.addProperty("reportingUnit", reportingUnit);
    envelope.addProperty("occurredAt", occurredAt);
    JsonObject actor = new JsonObject();
    actor.addProperty("officerId", officerId);
    envelope.add("actor", actor);
    envelope.add("data", data);
    return envelope;
  }
}
