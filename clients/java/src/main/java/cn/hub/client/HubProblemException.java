package cn.hub.client;

import java.util.List;

/**
 * A problem+json answer of the hub: {@code code} is stable for programs, {@code titleZh} is the
 * Chinese title beside the English {@code title}, {@code errors} names each problem of a batch.
 */
public final class HubProblemException extends RuntimeException {
  /** One problem of a refused batch: the event's index and a JSON Pointer inside it. */
  public record Problem(Integer index, String pointer, String message) {}

  private final int status;
  private final String code;
  private final String title;
  private final String titleZh;
  private final String detail;
  private final List<Problem> errors;

  public HubProblemException(
      int status, String code, String title, String titleZh, String detail, List<Problem> errors) {
    super(code + ": " + titleZh + " / " + title + (detail == null ? "" : " — " + detail));
    this.status = status;
    this.code = code;
    this.title = title;
    this.titleZh = titleZh;
    this.detail = detail;
    this.errors = errors == null ? List.of() : List.copyOf(errors);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public String title() {
    return title;
  }

  public String titleZh() {
    return titleZh;
  }

  public String detail() {
    return detail;
  }

  public List<Problem> errors() {
    return errors;
  }
}
