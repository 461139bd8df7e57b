package cn.hub.client;

import com.google.gson.JsonObject;
import java.net.URI;
import java.util.List;

/**
 * Publishes one inspection, then the same event again to show that a resend records nothing
 * twice. AGENCY_HUB_URL (default http://127.0.0.1:4000) and AGENCY_TOKEN (an emergency-bureau credential
 * for 310105: {@code npm run hub -- token create --agency emergency --units 310105}).
 */
public final class Example {
  public static void main(String[] args) throws Exception {
    String url = System.getenv().getOrDefault("AGENCY_HUB_URL", "http://127.0.0.1:4000");
    String token = System.getenv("AGENCY_TOKEN");
    if (token == null || token.isBlank()) {
      System.err.println("请设置 AGENCY_TOKEN / set AGENCY_TOKEN to an agency credential");
      System.exit(2);
    }
    HubClient hub = new HubClient(URI.create(url), token);

    JsonObject subject = new JsonObject();
    subject.addProperty("creditCode", "914403001922038216");
    subject.addProperty("name", "示例机械有限公司");
    JsonObject data = new JsonObject();
    data.addProperty("inspectionId", args.length > 0 ? args[0] : "INS-JAVA-0001");
    data.addProperty("subjectKind", "employer");
    data.add("subject", subject);
    data.addProperty("method", "special");
    data.addProperty("inspectedOn", "2024-06-20");
    data.addProperty("workersChecked", 12);
    HubEvent event =
        HubEvent.of("InspectionConducted", 1, "310105", "2024-06-20T10:00:00+08:00", "E-042", data);

    HubClient.PublishResult first = hub.publish(List.of(event));
    System.out.println("accepted=" + first.accepted() + " duplicate=" + first.duplicate() + " id=" + event.id());
    HubClient.PublishResult again = hub.publish(List.of(event));
    System.out.println("accepted=" + again.accepted() + " duplicate=" + again.duplicate() + " id=" + event.id());
  }
}
