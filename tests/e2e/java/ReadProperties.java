import java.io.FileInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Properties;

/** Loads a .properties file as Gradle does (Properties.load(InputStream)) and prints, for each key
 *  named, KEY=SHA-256 of its value (never the value: it may be a token), or KEY=null. */
public class ReadProperties {
    public static void main(String[] args) throws Exception {
        Properties properties = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            properties.load(in);
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (int i = 1; i < args.length; i++) {
            String value = properties.getProperty(args[i]);
            String shown = value == null ? "null" : HexFormat.of().formatHex(sha.digest(value.getBytes("UTF-8")));
            System.out.println(args[i] + "=" + shown);
        }
    }
}
