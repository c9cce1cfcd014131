; Inno Setup script for the kiosk on Windows 10/11 IoT Enterprise. Build on Windows after
; kiosk.spec: iscc installers\windows\kiosk.iss  ->  dist\kiosk-setup-0.1.0.exe
;
; Smart cards: the kiosk talks to the reader through the Windows Smart Card service
; (SCardSvr, WinSCard.dll), the Windows side of PC/SC. The installer sets it to start
; automatically and starts it.
;
; Shell Launcher (Windows IoT Enterprise / Enterprise): to run the kiosk instead of Explorer
; for the kiosk account, enable the feature ("Client-Device-Embedded-ShellLauncher" with
; DISM, or Turn Windows features on or off > Device Lockdown > Shell Launcher), then, as
; administrator, in PowerShell with the WESL_UserSetting WMI class:
;   $sl = [wmiclass]"\\.\root\standardcimv2\embedded:WESL_UserSetting"
;   $sl.SetCustomShell((New-Object System.Security.Principal.NTAccount("kiosk")).Translate(
;       [System.Security.Principal.SecurityIdentifier]).Value,
;       "C:\Program Files\kiosk\kiosk.exe run", $null, $null, 0)   ; 0: restart the shell
;   $sl.SetEnabled($true)
; Restart action 0 starts the kiosk again when it exits (Windows' counterpart of systemd's
; Restart=always). Settings: C:\ProgramData\kiosk\kiosk.toml, written by the site's
; installer from assets\config\kiosk.toml (demo = false, ui.fullscreen = true).

#define AppVersion "0.1.0"

[Setup]
AppId={{6F0C2A57-3D7E-4B1A-9C55-0E2D6B8A4F13}
AppName=kiosk
AppVersion={#AppVersion}
AppPublisher=kiosk project
DefaultDirName={autopf}\kiosk
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=kiosk-setup-{#AppVersion}
Compression=lzma2
SolidCompression=yes
UninstallDisplayIcon={app}\kiosk.exe

[Files]
Source: "..\..\dist\kiosk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; The journal and keys: administrators and the system only (the kiosk account is added by
; the installer of the site, see above); never removed by an uninstall.
Name: "{commonappdata}\kiosk"; Flags: uninsneveruninstall

[Registry]
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: string; ValueName: "KIOSK_CONFIG"; ValueData: "{commonappdata}\kiosk\kiosk.toml"; Flags: uninsdeletevalue

[Run]
Filename: "{sys}\sc.exe"; Parameters: "config SCardSvr start= auto"; Flags: runhidden
Filename: "{sys}\sc.exe"; Parameters: "start SCardSvr"; Flags: runhidden
Filename: "{app}\kiosk.exe"; Parameters: "doctor"; Description: "kiosk doctor"; Flags: postinstall nowait skipifsilent
