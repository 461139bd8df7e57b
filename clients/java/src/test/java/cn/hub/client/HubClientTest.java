package cn.hub.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a running hub: AGENCY_HUB_URL and AGENCY_TOKEN (an emergency credential for 310000 or 310105). */
class HubClientTest {
  static URI hub;
  static String token;

  @BeforeAll
  static void hubFromEnvironment() {
    String url = System.getenv("AGENCY_HUB_URL");
    token = System.getenv("AGENCY_TOKEN");
    // Without a hub (as when .ci/run fetches the Maven artifacts) every test is skipped, saying
    // why; test/e2e/java-client.e2e.test.ts starts a hub, sets both, and requires 0 skipped.
    assumeTrue(
        url != null && token != null,
        "skipped: AGENCY_HUB_URL and AGENCY_TOKEN name no hub to test against (test/e2e/java-client.e2e.test.ts sets them)");
    hub = URI.create(url);
  }

  static HubEvent inspection(String inspectionId) {
    JsonObject subject = new JsonObject();
    subject.addProperty("creditCode", "914403001922038216");
    subject.addProperty("name", "示例机械有限公司");
    JsonObject data = new JsonObject();
    data.addProperty("inspectionId", inspectionId);
    data.addProperty("subjectKind", "employer");
    data.add("subject", subject);
    data.addProperty("method", "special");
    data.addProperty("inspectedOn", "2024-06-20");
    data.addProperty("workersChecked", 12);
    return HubEvent.of("InspectionConducted", 1, "310105", "2024-06-20T10:00:00+08:00", "E-042", data);
  }

  @Test
  void publishesAndASecondSendIsADuplicate() throws Exception {
    HubClient client = new HubClient(hub, token);
    HubEvent event = inspection("JAVA-1");
    HubClient.PublishResult first = client.publish(List.of(event));
    assertEquals(1, first.accepted());
    assertFalse(first.duplicate());
    HubClient.PublishResult again = client.publish(List.of(event));
    assertTrue(again.duplicate());
    assertEquals(List.of(event.id()), again.eventIds());
  }

  @Test
  void aRefusalIsAProblemWithItsCodeAndChineseTitle() {
    JsonObject data = new JsonObject();
    data.addProperty("inspectionId", "JAVA-1");
    data.addProperty("findingId", "F-1");
    data.addProperty("subjectKind", "employer");
    data.addProperty("kind", "forged"); // a worker finding without the worker
    HubEvent finding =
        HubEvent.of("FindingRecorded", 1, "310105", "2024-06-20T10:00:00+08:00", "E-042", data);
    HubProblemException problem =
        assertThrows(
            HubProblemException.class, () -> new HubClient(hub, token).publish(List.of(finding)));
    assertEquals(400, problem.status());
    assertEquals("INVALID_EVENTS", problem.code());
    assertTrue(problem.titleZh().codePoints().anyMatch(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.HAN));
    assertEquals("/events/0/data/worker", problem.errors().get(0).pointer());
  }

  @Test
  void retriesA503WithTheSameBytesUntilTheHubAnswers() throws Exception {
    List<String> bodies = new CopyOnWriteArrayList<>();
    HttpClient forward = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    proxy.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          bodies.add(new String(body, StandardCharsets.UTF_8));
          try {
            if (bodies.size() <= 2) {
              byte[] problem =
                  "{\"code\":\"NOT_READY\",\"status\":503,\"title\":\"Not ready\",\"titleZh\":\"服务尚未就绪\"}"
                      .getBytes(StandardCharsets.UTF_8);
              exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
              exchange.sendResponseHeaders(503, problem.length);
              exchange.getResponseBody().write(problem);
            } else {
              HttpResponse<byte[]> answer =
                  forward.send(
                      HttpRequest.newBuilder(hub.resolve(exchange.getRequestURI().getPath()))
                          .header("Authorization", exchange.getRequestHeaders().getFirst("Authorization"))
                          .header("Content-Type", "application/json")
                          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                          .build(),
                      HttpResponse.BodyHandlers.ofByteArray());
              exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
              exchange.getResponseBody().write(answer.body());
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } finally {
            exchange.close();
          }
        });
    proxy.start();
    try {
      URI through = URI.create("http://127.0.0.1:" + proxy.getAddress().getPort());
      HubClient client = new HubClient(through, token, 5, Duration.ofMillis(20), Duration.ofMillis(200));
      HubClient.PublishResult result = client.publish(List.of(inspection("JAVA-2")));
      assertEquals(1, result.accepted());
      assertFalse(result.duplicate());
      assertEquals(3, bodies.size());
      assertEquals(1, bodies.stream().distinct().count(), "every attempt sends the same batch");
    } finally {
      proxy.stop(0);
    }
  }

  @Test
  void givesUpWithAnIOExceptionWhenNothingAnswers() {
    HubClient client =
        new HubClient(URI.create("http://127.0.0.1:9"), token, 2, Duration.ofMillis(10), Duration.ofMillis(20));
    assertThrows(IOException.class, () -> client.publish(List.of(inspection("JAVA-3"))));
  }
}
