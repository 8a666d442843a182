// Prints what Maven's own settings reader (maven-settings-builder's DefaultSettingsReader, the
// strict SettingsXpp3Reader that `mvn` uses first) takes from a settings.xml, one line per entry:
//   server<TAB>id<TAB>username<TAB>password
//   mirror<TAB>id<TAB>mirrorOf<TAB>url
// Compiled by tests/e2e/test_maven.py against the jars of the installed Maven (/usr/share/maven/lib).
import java.io.File;
import java.util.Collections;
import org.apache.maven.settings.Mirror;
import org.apache.maven.settings.Server;
import org.apache.maven.settings.Settings;
import org.apache.maven.settings.io.DefaultSettingsReader;
import org.apache.maven.settings.io.SettingsReader;

public class SettingsDump {
    public static void main(String[] args) throws Exception {
        Settings settings = new DefaultSettingsReader()
            .read(new File(args[0]), Collections.singletonMap(SettingsReader.IS_STRICT, Boolean.TRUE));
        for (Server s : settings.getServers()) {
            System.out.println("server\t" + s.getId() + "\t" + s.getUsername() + "\t" + s.getPassword());
        }
        for (Mirror m : settings.getMirrors()) {
            System.out.println("mirror\t" + m.getId() + "\t" + m.getMirrorOf() + "\t" + m.getUrl());
        }
    }
}
