package cn.hub.client;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Publishes events to the hub (POST /v1/events). Retrying is safe: the batch is built once,
 * with its event ids, and every attempt sends the very same bytes; the hub records an event id
 * once and answers a repeated batch with {@code duplicate: true}. Connection failures, 429,
 * 502, 503, 504 and 507 are retried with exponential backoff (and the hub's Retry-After);
 * any other refusal is thrown at once as {@link HubProblemException}.
 */
public final class HubClient {
  /** What the hub answered for a batch it accepted (or had accepted before). */
  public record PublishResult(int accepted, boolean duplicate, List<String> eventIds) {}

  private static final Set<Integer> RETRYABLE = Set.of(429, 502, 503, 504, 507);
  private static final Gson GSON = new Gson();

  private final URI baseUri;
  private final String token;
  private final HttpClient http;
  private final int attempts;
  private final Duration baseDelay;
  private final Duration maxDelay;

  public HubClient(URI baseUri, String token) {
    this(baseUri, token, 5, Duration.ofMillis(200), Duration.ofSeconds(10));
  }

  public HubClient(URI baseUri, String token, int attempts, Duration baseDelay, Duration maxDelay) {
    this.baseUri = baseUri;
    this.token = token;
    this.attempts = attempts;
    this.baseDelay = baseDelay;
    this.maxDelay = maxDelay;
    // HTTP/1.1: over plain http the JDK would otherwise ask to upgrade to h2c on every POST.
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
  }

  /** Publishes 1 to 1,000 events as one atomic batch: all are recorded, or none. */
  public PublishResult publish(List<HubEvent> events) throws IOException, InterruptedException {
    if (events.isEmpty() || events.size() > 1000)
      throw new IllegalArgumentException("a batch holds 1 to 1000 events, this one has " + events.size());
    JsonArray array = new JsonArray();
    List<String> ids = new ArrayList<>();
    for (HubEvent event : events) {
      array.add(event.toJson());
      ids.add(event.id());
    }
    JsonObject body = new JsonObject();
    body.add("events", array);
    byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);

    IOException lastFailure = null;
    HubProblemException lastProblem = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      long waitMillis = backoff(attempt);
      try {
        HttpRequest request =
            HttpRequest.newBuilder(baseUri.resolve("/v1/events"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, application/problem+json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .build();
        HttpResponse<String> response =
            http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        int status = response.statusCode();
        if (status == 200 || status == 201) {
          JsonObject answer = GSON.fromJson(response.body(), JsonObject.class);
          boolean duplicate = true;
          for (JsonElement stream : answer.getAsJsonArray("streams"))
            duplicate &= stream.getAsJsonObject().get("duplicate").getAsBoolean();
          return new PublishResult(answer.get("accepted").getAsInt(), duplicate, List.copyOf(ids));
        }
        HubProblemException problem = problemOf(status, response.body());
        if (!RETRYABLE.contains(status) || attempt == attempts) throw problem;
        lastProblem = problem;
        waitMillis = response
            .headers()
            .firstValue("Retry-After")
            .map(HubClient::seconds)
            .map(s -> Math.min(maxDelay.toMillis(), s * 1000))
            .orElse(waitMillis);
      } catch (IOException e) {
        // The connection failed or broke: whether the hub recorded the batch is unknown, and
        // sending it again is safe.
        lastFailure = e;
        lastProblem = null;
        if (attempt == attempts) break;
      }
      Thread.sleep(waitMillis);
    }
    if (lastProblem != null) throw lastProblem;
    throw new IOException("the hub did not answer after " + attempts + " attempts", lastFailure);
  }

  private long backoff(int attempt) {
    long full = Math.min(maxDelay.toMillis(), baseDelay.toMillis() << Math.min(attempt - 1, 20));
    return full / 2 + ThreadLocalRandom.current().nextLong(full / 2 + 1);
  }

  private static long seconds(String header) {
    try {
      return Math.max(0, Long.parseLong(header.trim()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  private static HubProblemException problemOf(int status, String body) {
    try {
      JsonObject p = GSON.fromJson(body, JsonObject.class);
      if (p != null && p.has("code")) {
        List<HubProblemException.Problem> errors =
            p.has("errors")
                ? GSON.fromJson(
                    p.get("errors"), new TypeToken<List<HubProblemException.Problem>>() {}.getType())
                : List.of();
        return new HubProblemException(
            status,
            p.get("code").getAsString(),
            text(p, "title"),
            text(p, "titleZh"),
            text(p, "detail"),
            errors);
      }
    } catch (JsonParseException e) {
      // not problem+json: described below
    }
    String start = body.length() > 200 ? body.substring(0, 200) : body;
    return new HubProblemException(
        status, "UNEXPECTED_ANSWER", "HTTP " + status, "HTTP " + status, start, List.of());
  }

  private static String text(JsonObject o, String name) {
    return o.has(name) && !o.get(name).isJsonNull() ? o.get(name).getAsString() : null;
  }
}
